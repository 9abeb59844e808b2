"""Every HTML page of the shared evaluation data decodes and extracts without mojibake.

~1,900 real pages in many languages and encodings (`../shared/data`: extraction/scrapinghub-dev,
extraction/wcxb-dev, dates/htmldate-default), some declared wrongly, some UTF-8 with stray bytes, some
served with mojibake already in them (UTF-8 read as windows-1252 before it was saved: "fÃ¼r", "â\\x80\\x9c").
newsbeam's `decode` must give text without C1 controls, and the extracted text (and title) must hold
neither C1 controls nor the typical sequences of UTF-8 read as a single-byte code page, unless the page
itself shows them (spelled as character references, which decoding never sees: `_written_by_the_page`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import itertools
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from transforms.extract import extract_html
from transforms.web.charset import declared_charset, decode

pytestmark = [pytest.mark.data, pytest.mark.slow]

FOLDERS = ("extraction/scrapinghub-dev/html", "extraction/wcxb-dev/html", "dates/htmldate-default/html")
REFERENCE = dt.date(2026, 11, 21)
C1 = re.compile("[\x80-\x9f]")


def _mojibake_sequences() -> set[str]:
    """The first two characters that common letters and punctuation become when their UTF-8 bytes are read
    as windows-1252, windows-1250 or iso-8859-2: "Ã©" (é), "Ã¼" (ü), "ÃŸ" (ß), "â€" (’ “ – …), "Å›" (ś),
    "Ĺ›" (ś), "Ă©" (é)."""
    letters = "éèêëàâäáãåçñóòôöõúùûüíìîïýÿßÉÈÀÄÖÜÇÑÓÚ" + "ąćęłńóśźżĄĆĘŁŃŚŹŻčďěňřšťůžČŘŠŽőűŐŰ"
    punctuation = "–—‘’‚“”„…•€™"
    sequences = set()
    for char in letters + punctuation:
        for codec in ("cp1252", "cp1250", "iso8859-2"):
            wrong = char.encode("utf-8").decode(codec, errors="replace")
            if "\ufffd" not in wrong[:2] and not C1.search(wrong[:2]):
                sequences.add(wrong[:2])
    return sequences


MOJIBAKE = re.compile("|".join(re.escape(s) for s in sorted(_mojibake_sequences(), key=len, reverse=True)))


def test_mojibake_sequences_are_the_typical_ones() -> None:
    assert {"Ã©", "Ã¤", "Ã¶", "Ã¼", "ÃŸ", "â€", "Å›", "Ĺ›", "Ă©"} <= _mojibake_sequences()
    assert not MOJIBAKE.search("Größe, naïve café – „Zitat“ … Łódź, środa, Čeština, Ő")


def _written_by_the_page(found: re.Match[str], text: str, page: str) -> bool:
    """Whether the page itself shows this sequence: it is spelled with character references
    (`isn&acirc;&euro;&trade;t`, wcxb-dev/2362), which a browser shows as they are and which decoding bytes
    to characters never sees, so the decoded page does not hold it, only the page as rendered does."""
    context = text[max(0, found.start() - 3) : found.end() + 3]
    # Less the C1 controls a reference may spell ("&#157;"), which the extracted text never holds.
    return context not in page and context in C1.sub("", html.unescape(page))


def check_page(path: Path) -> tuple[str, bool, str | None]:
    """(name, whether a text was extracted, what is wrong or None) for one page."""
    data = gzip.decompress(path.read_bytes())
    page, encoding = decode(data, declared_charset(data))
    name = f"{path.parent.parent.name}/{path.name}"
    if match := C1.search(page):
        return name, False, f"C1 control {match.group()!r} in the decoded page ({encoding})"
    draft = extract_html(page, None, REFERENCE)
    if draft is None:
        return name, False, None
    text = f"{draft.title or ''}\n{draft.text}"
    for found in itertools.chain(C1.finditer(text), MOJIBAKE.finditer(text)):
        if not _written_by_the_page(found, text, page):
            context = text[max(0, found.start() - 30) : found.end() + 30]
            return name, True, f"{found.group()!r} in the extracted text ({encoding}): {context!r}"
    return name, True, None


@pytest.mark.timeout(3600)
def test_no_page_of_the_shared_data_comes_out_as_mojibake() -> None:
    pages = [page for folder in FOLDERS for page in sorted((SHARED_DATA / folder).glob("*.html.gz"))]
    assert len(pages) > 1800, f"shared test data missing under {SHARED_DATA} (expected beside the project)"
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(check_page, pages, chunksize=16))
    assert sum(extracted for _, extracted, _ in results) > 1500
    bad = [f"{name}: {problem}" for name, _, problem in results if problem]
    assert not bad, "\n".join(bad)
