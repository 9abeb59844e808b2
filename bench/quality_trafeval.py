"""newsbeam beside bare trafilatura on trafilatura's own evaluation pages (github.com/adbar/trafilatura,
`tests/evaldata.json`): about 990 saved pages, mostly German and English blogs, news and institutional
pages, each annotated with text snippets its main text must hold ("with") and must not hold ("without"),
and most with the title, author and publication day a reader sees.

newsbeam tunes its gate, titles, authors and dates on the sets under `../shared/data`; these pages show how
that carries to sites it has never seen. They favour trafilatura, whose extraction is tuned on them.
Both extractors run exactly as in `quality_wcxb.py`. Text is scored as trafilatura scores it (a snippet is
found when it occurs in the text after whitespace is normalised; precision, recall and F1 over the counts of
all pages); titles and authors with WCXB's metrics (`bench/wcxb.py`); an empty author or date in the
annotation means the page states none.

The pages are not part of the shared data and are not copied anywhere: clone trafilatura and give its path.

    python bench/quality_trafeval.py PATH_TO_TRAFILATURA_CLONE [--show N]

A run rewrites its block in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality_util import clone_args, write_block
from quality_wcxb import Run, both
from wcxb import FIGURES, Page, Score, score

from transforms.tag import Taggers

# WCXB's figures these annotations can measure.
META = ("title_exact", "author_match", "junk_author", "author_invented", "date_day", "undated_dated")


@dataclass(frozen=True)
class Snippets:
    """One annotated page: its file, URL and what its main text must and must not hold; the metadata a
    reader sees where annotated (`None`: not annotated; an empty author or date: the page states none)."""

    url: str
    path: Path
    with_: tuple[str, ...]
    without: tuple[str, ...]
    title: str | None = None
    author: str | None = None
    date: str | None = None

    @property
    def annotated(self) -> bool:
        return self.title is not None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def counts(page: Snippets, text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page's text, as trafilatura's `tests/eval_common.count_item` counts them."""
    found = _norm(text or "")
    tp = sum(_norm(s) in found for s in page.with_) if found else 0
    fp = sum(_norm(s) in found for s in page.without) if found else 0
    return tp, fp, len(page.with_) - tp, len(page.without) - fp


def pages(root: Path) -> Iterator[Snippets]:
    """Every annotated page of the trafilatura clone at `root` whose HTML is there, in URL order."""
    tests = root / "tests"
    if not (tests / "evaldata.json").exists():
        raise SystemExit(f"no evaluation data under {tests}: give the path of a clone of adbar/trafilatura")
    data: dict[str, dict[str, Any]] = json.loads((tests / "evaldata.json").read_text(encoding="utf-8"))
    for url in sorted(data):
        item = data[url]
        path = next((p for p in (tests / "cache" / item["file"], tests / "eval" / item["file"]) if p.is_file()), None)
        if path is None:
            continue
        date, author = item.get("date"), item.get("author")
        yield Snippets(
            url=url,
            path=path,
            with_=tuple(item["with"]),
            without=tuple(item["without"]),
            title=item.get("title") if "title" in item else None,
            author="; ".join(author)
            if isinstance(author, list)
            else (author or "").strip()
            if "author" in item
            else None,
            date=(date or "")[:10] if "date" in item else None,
        )


def _f1(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return f"{2 * p * r / (p + r) if p + r else 0.0:.3f} (P {p:.3f}, R {r:.3f})"


def _as_wcxb(page: Snippets) -> Page:
    """An annotated page as WCXB's metrics read it (no author or date: the page states none)."""
    return Page(page.url, page.url, "article", page.path, page.title or None, page.author or None,
                page.date or None, text="")  # fmt: skip


def figures(runs: list[tuple[Snippets, Run]]) -> dict[str, str]:
    """One extractor's figures over the pages: text, as trafilatura scores it (extracted, and as written);
    title, authors and date of the annotated pages, as WCXB's metrics score them."""
    extracted, written = [0, 0, 0, 0], [0, 0, 0, 0]
    for page, run in runs:
        for total, text in ((extracted, run.pred.text), (written, run.pred.text if run.pred.written else "")):
            total[:] = [a + b for a, b in zip(total, counts(page, text), strict=True)]
    meta = score((_as_wcxb(page), run.pred) for page, run in runs if page.annotated)
    unwritten = sum(not run.pred.written for _, run in runs)
    return {
        "text F1, extracted (snippets found; precision, recall)": _f1(*extracted[:3]),
        "text F1, as written (a page turned away finds no snippet)": _f1(*written[:3]),
        **{FIGURES[name]: str(meta[name]) for name in META},
        "pages not written (turned away, or no text)": str(Score(unwritten, len(runs))),
    }


def main() -> int:
    clone, show = clone_args(__doc__, "trafilatura", "adbar/trafilatura", "print up to N pages newsbeam did not write")
    started = time.monotonic()
    taggers = Taggers.load()
    found = list(pages(clone))
    ran = both(((page.path.read_bytes(), page.url) for page in found), taggers)
    ours = figures([(page, mine) for page, (mine, _) in zip(found, ran, strict=True)])
    theirs = figures([(page, other) for page, (_, other) in zip(found, ran, strict=True)])
    annotated = sum(page.annotated for page in found)
    lines = [
        f"trafilatura's evaluation pages ({len(found)} pages, {annotated} with title, author and date; mostly "
        "German and English blogs and news), newsbeam beside bare trafilatura "
        "(`python bench/quality_trafeval.py PATH_TO_TRAFILATURA_CLONE`; trafilatura is tuned on these pages, and "
        "newsbeam's rules for authors, titles, date ranges and text cleaning were mended after a first run on them: "
        "neither side meets them unseen).",
        "",
        "| figure | newsbeam | trafilatura |",
        "|---|---|---|",
        *(f"| {name} | **{ours[name]}** | {theirs[name]} |" for name in ours),
        "",
        "- newsbeam's verdicts: " + ", ".join(f"{v} {n}" for v, n in Counter(m.verdict for m, _ in ran).most_common()),
        f"- Run: {time.monotonic() - started:.0f} s.",
    ]
    print("\n".join(lines))
    unwritten = [(page, mine) for page, (mine, _) in zip(found, ran, strict=True) if not mine.pred.written]
    if show and unwritten:
        print("\npages newsbeam did not write:")
        print("\n".join(f"  {mine.verdict:<18} {page.url}" for page, mine in unwritten[:show]))
    write_block("trafeval", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
