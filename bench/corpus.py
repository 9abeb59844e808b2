"""Benchmark corpora built from the public ScrapingHub pages beside the project (never copied into it).

Copies of a page get their own URL and a marker sentence inside the article body, so every copy is a
distinct article all the way through (extraction, dedupe, sink), as a real crawl of many pages would be.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PAGES_DIR = SHARED_DATA / "extraction" / "scrapinghub-dev" / "html"

# Anchor per page text (finding one costs an extraction). Keyed by the text, not id(): ids of freed pages are
# reused by the next build's pages, which put markers inside <style> blocks and made most copies identical.
_anchors: dict[str, int | None] = {}


def source_pages() -> list[str]:
    """The 102 evaluation pages, decoded; raises when the shared data is missing (benchmarks need it)."""
    files = sorted(PAGES_DIR.glob("*.html.gz"))
    if not files:
        raise FileNotFoundError(f"no pages under {PAGES_DIR}: the shared evaluation data is missing")
    return [gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace") for f in files]


def _candidates(page: str, text: str) -> Iterator[int]:
    """Offsets in the HTML where a long line of the extracted text starts, in text order."""
    gap = r"(?:\s|&nbsp;|&#160;|<[^>]+>)+"
    body = max(page.lower().find("<body"), 0)  # the title and description repeat it in <head>
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 12:
            pattern = gap.join(re.escape(html_lib.escape(w, quote=False)) for w in words[:4])
        elif len(words) < 4 and len(line) >= 40:  # Japanese and Chinese lines have no spaces
            pattern = re.escape(html_lib.escape(line[:10], quote=False))
        else:
            continue
        for match in re.finditer(pattern, page[body:]):
            start = body + match.start()
            if page.rfind("<", 0, start) <= page.rfind(">", 0, start):  # text, not inside a tag's attribute
                yield start


def _anchor(page: str) -> int | None:
    """Offset in the HTML where a marker inserted becomes part of what trafilatura extracts, checked by
    extracting the page with a probe marker there: the words of a line also occur in <script> JSON-LD,
    <style> and hidden blocks, where a marker would change the bytes but not the text."""
    import trafilatura

    probe = "Bench probe 424242. "
    for tries, at in enumerate(_candidates(page, trafilatura.extract(page) or "")):
        if probe in (trafilatura.extract(page[:at] + probe + page[at:]) or ""):
            return at
        if tries == 20:
            break
    return None


def variant(page: str, copy: int) -> str:
    """Copy number `copy` of a page: a marker sentence at the start of its main text's first long line."""
    if page not in _anchors:
        _anchors[page] = _anchor(page)
    at = _anchors[page]
    marker = f"Bench copy {copy}. "
    if at is None:
        return page.replace("</body>", f"<p>{marker}</p></body>", 1)
    return page[:at] + marker + page[at:]


def build_jsonl(n: int, out_dir: Path, shards: int = 8, days: int = 1) -> list[Path]:
    """`n` articles as JSONL files (`html`, `url`, and with `days` > 1 a `published` date spread over that
    many days) in `shards` files."""
    pages = source_pages()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"corpus-{i:02d}.jsonl" for i in range(shards)]
    handles = [p.open("w", encoding="utf-8") for p in paths]
    try:
        for k in range(n):
            record = {
                "url": f"https://bench.newsbeam.example/{k // len(pages)}/{k % len(pages)}",
                "html": variant(pages[k % len(pages)], k),
            }
            if days > 1:
                record["published"] = f"2025-11-{1 + k % days:02d}T12:00:00Z"
            handles[k % shards].write(json.dumps(record) + "\n")
    finally:
        for h in handles:
            h.close()
    return paths
