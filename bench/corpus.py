"""Benchmark corpora built from the public ScrapingHub pages beside the project (never copied into it).

Copies of a page get their own URL and a marker sentence inside the article body, so every copy is a
distinct article all the way through (extraction, dedupe, sink), as a real crawl of many pages would be.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PAGES_DIR = SHARED_DATA / "extraction" / "scrapinghub-dev" / "html"

_anchors: dict[int, int | None] = {}  # anchor per page object: finding it costs one extraction


def source_pages() -> list[str]:
    """The 102 evaluation pages, decoded; raises when the shared data is missing (benchmarks need it)."""
    files = sorted(PAGES_DIR.glob("*.html.gz"))
    if not files:
        raise FileNotFoundError(f"no pages under {PAGES_DIR}: the shared evaluation data is missing")
    return [gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace") for f in files]


def _anchor(page: str) -> int | None:
    """Offset in the HTML where the main text's first long line starts, so a marker inserted there is
    part of what trafilatura extracts."""
    import trafilatura

    text = trafilatura.extract(page) or ""
    for line in text.splitlines():
        words = line.split()
        if len(words) < 12:
            continue
        gap = r"(?:\s|&nbsp;|&#160;|<[^>]+>)+"
        pattern = gap.join(re.escape(html_lib.escape(w, quote=False)) for w in words[:4])
        body = max(page.lower().find("<body"), 0)  # the title and description repeat it in <head>
        for match in re.finditer(pattern, page[body:]):
            start = body + match.start()
            if page.rfind("<", 0, start) <= page.rfind(">", 0, start):  # text, not inside a tag's attribute
                return start
    return None


def variant(page: str, copy: int) -> str:
    """Copy number `copy` of a page: a marker sentence at the start of its main text's first long line."""
    at = _anchors.get(id(page))
    if at is None and id(page) not in _anchors:
        at = _anchors[id(page)] = _anchor(page)
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
