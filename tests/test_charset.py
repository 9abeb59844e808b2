"""charset: the quick test for a suspect (mojibake) sequence answers exactly as the regex over the whole text."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.http_fixtures import SHARED_DATA, shared
from transforms.web import charset

# Characters a suspect sequence is made of (C1 controls, first characters, continuations), others it is not
# (ASCII, letters and punctuation of real text, CJK, a lone surrogate), so that random text forms sequences,
# near misses and sequences cut by ASCII.
PALETTE = "ab <>\n\x85\x9d\xa0ÂÃÄĂĹÐ×Ùàéëï©®°»¼€‚„…‘’“”–—™ŚśŁąšž" + "äöüßçñ中文日本語" + "\ud800"


def _regex(text: str) -> bool:
    """The old form: the suspect regex over the whole text."""
    return not text.isascii() and charset._SUSPECT.search(text) is not None


@given(st.text(alphabet=PALETTE, max_size=60))
@settings(max_examples=3000, deadline=None)
def test_the_quick_test_answers_as_the_regex(text: str) -> None:
    assert charset._holds_suspect(text) == _regex(text)
    if "\ud800" not in text:
        assert charset._holds_suspect(text, text.encode("utf-8")) == _regex(text)


def test_sequences_joined_only_once_the_ascii_is_dropped_are_not_suspects(monkeypatch: pytest.MonkeyPatch) -> None:
    apart = "Ã x©, Ã y©"  # "Ã©" once the ASCII is dropped, never in the text
    assert not charset._holds_suspect(apart) and not _regex(apart)
    assert charset._holds_suspect(apart + " fÃ©e") and charset._holds_suspect(apart + " \x85")
    # Many different near misses: the regex over the whole text decides.
    monkeypatch.setattr(charset, "_APPARENT_SUSPECTS", 2)
    near = "é x’ y” é z‘ w“ Ã v© u\x85"
    assert charset._holds_suspect(near) == _regex(near) is True


@pytest.mark.data
def test_the_quick_test_answers_as_the_regex_on_every_shared_page() -> None:
    folders = ("extraction/scrapinghub-dev/html", "extraction/wcxb-dev/html", "dates/htmldate-default/html")
    pages = [path for folder in folders for path in sorted(shared(SHARED_DATA / folder).glob("*.html.gz"))]
    assert len(pages) > 1800
    suspects = 0
    for path in pages:
        data = gzip.decompress(path.read_bytes())
        text = data.decode("utf-8", "replace")
        expected = _regex(text)
        assert charset._holds_suspect(text) == expected, path.name
        assert charset._holds_suspect(text, text.encode("utf-8")) == expected, path.name
        suspects += expected
    assert suspects > 0  # some pages do hold one
