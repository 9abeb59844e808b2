"""newsbeam beside bare trafilatura on news pages of publishers no dev set holds: the parser test pages of
fundus (github.com/flairNLP/fundus), one or two saved article pages of each of about 180 news publishers in
some 40 countries and 25 languages, each with the title, authors, publication date and body fundus's
hand-written parser for that publisher extracts.

newsbeam tunes its gate, titles, authors and dates on WCXB dev and the other sets under `../shared/data`;
these pages show how that carries to sites it has never seen. Both extractors run exactly as in
`quality_wcxb.py` and are scored with WCXB's metrics (`bench/wcxb.py`): the truth's text is fundus's body
(summary, subheadings and paragraphs), its author credit the authors joined, its day the local day of
`publishing_date`. Every page is an article, so "articles turned away" is the gate's cost on new sites.
The publisher is held against the name fundus's registry gives it (`src/fundus/publishers`), newsbeam's
`publisher` beside trafilatura's `sitename`.

The pages are not part of the shared data and are not copied anywhere: clone fundus and give its path.

    python bench/quality_fundus.py PATH_TO_FUNDUS_CLONE [--show N]

A run rewrites its block in BENCHMARKS.md. Where a publisher has several pages (one per parser version),
pages and truths are paired in order of date and version; when their numbers differ, the newest of each.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quality_util import clone_args, write_block
from quality_wcxb import Run, both, losses
from wcxb import FIGURES, Page, score

from transforms.tag import Taggers
from transforms.text.page import name_key

TEST_DATA = Path("tests/resources/parser/test_data")
PUBLISHERS = Path("src/fundus/publishers")
# One publisher of fundus's registry: `DerStandard = Publisher(name="Der Standard", ...)`.
_REGISTERED = re.compile(r"^\s+(\w+) = Publisher\(\s*name=\"([^\"]+)\"", re.MULTILINE)
# The figures this set can measure (every page is an article).
SHOWN = ("text_f1", "text_f1_written", "title_exact", "author_match", "junk_author", "author_invented", "date_day",
         "articles_turned_away")  # fmt: skip


def _version(key: str) -> list[int]:
    """fundus's parser versions ("V1", "V1_1", "V2") in their order."""
    return [int(part) for part in key.lstrip("V").split("_") if part.isdigit()]


def _body(truth: dict[str, Any]) -> str:
    body = truth.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n".join(parts)


def registry(root: Path) -> dict[str, str]:
    """The name fundus's registry gives each publisher, by the key its test pages are filed under."""
    return {
        key: name
        for source in sorted((root / PUBLISHERS).glob("*/__init__.py"))
        for key, name in _REGISTERED.findall(source.read_text(encoding="utf-8"))
    }


def publisher_named(truth: str, given: str | None) -> tuple[bool, bool]:
    """(the same name, the name or part of it), letters and digits compared: "Der Standard" is
    "DER STANDARD"; "Euronews" names "Euronews (DE)"; "dw.com" does not name "Deutsche Welle"."""
    a, b = name_key(truth), name_key(given or "")
    return a == b and bool(a), a == b or (min(len(a), len(b)) >= 3 and (a in b or b in a))


def publisher_rows(names: dict[str, str], runs: list[tuple[str, Page, Run, Run]]) -> list[str]:
    """The publisher against the registry's name, newsbeam beside trafilatura's `sitename` (no rows without
    the registry: a clone of the tests alone)."""
    truths = [(names.get(page.html_path.name.rsplit("_", 3)[0]), mine, other) for _, page, mine, other in runs]
    scored = [(publisher_named(t, m.pred.publisher), publisher_named(t, o.pred.publisher)) for t, m, o in truths if t]
    if not scored:
        return []
    n = len(scored)

    def cell(hits: int) -> str:
        return f"{hits / n:.3f} ({hits}/{n})"

    return [
        f"| publisher: fundus's name for it (letters and digits compared) | **{cell(sum(m[0] for m, _ in scored))}** "
        f"| {cell(sum(o[0] for _, o in scored))} |",
        f'| publisher: that name or part of it ("Euronews" for "Euronews (DE)") '
        f"| **{cell(sum(m[1] for m, _ in scored))}** | {cell(sum(o[1] for _, o in scored))} |",
    ]


def pages(root: Path) -> Iterator[tuple[str, Page]]:
    """(country, page) for every test page of the fundus clone at `root` that has its truth."""
    data = root / TEST_DATA
    if not data.is_dir():
        raise SystemExit(f"no fundus test pages under {data}: give the path of a clone of flairNLP/fundus")
    for country in sorted(p for p in data.iterdir() if (p / "meta.info").exists()):
        meta = json.loads((country / "meta.info").read_text(encoding="utf-8"))
        for truth_path in sorted(country.glob("*.json")):
            publisher = truth_path.stem
            truths = json.loads(truth_path.read_text(encoding="utf-8"))
            files = sorted(name for name in meta if name.rsplit("_", 3)[0] == publisher)
            versions = sorted(truths, key=_version)
            if len(files) != len(versions):
                files, versions = files[-1:], versions[-1:]
            for name, version in zip(files, versions, strict=True):
                truth = truths[version]
                text = _body(truth)
                if not (country / name).exists() or not text:
                    continue
                yield (
                    country.name,
                    Page(
                        page_id=f"{country.name}/{name}",
                        url=meta[name].get("url"),
                        kind="article",
                        html_path=country / name,
                        title=truth.get("title") or None,
                        author="; ".join(truth.get("authors") or []) or None,
                        date=(truth.get("publishing_date") or "")[:10] or None,
                        text=text,
                    ),
                )


def main() -> int:
    clone, show = clone_args(__doc__, "fundus", "flairNLP/fundus", "print the N pages newsbeam's text loses most on")
    started = time.monotonic()
    taggers = Taggers.load()
    found = list(pages(clone))
    ran = both(((page.html_bytes(), page.url) for _, page in found), taggers)
    runs = [(country, page, mine, other) for (country, page), (mine, other) in zip(found, ran, strict=True)]
    ours = score((page, run.pred) for _, page, run, _ in runs)
    theirs = score((page, run.pred) for _, page, _, run in runs)
    publishers = {page.html_path.name.rsplit("_", 3)[0] for _, page, _, _ in runs}
    countries = {country for country, _, _, _ in runs}
    lines = [
        f"News pages of publishers no dev set holds: fundus's parser test pages ({len(runs)} pages, "
        f"{len(publishers)} publishers, {len(countries)} countries), newsbeam beside bare trafilatura, scored as "
        "WCXB (`python bench/quality_fundus.py PATH_TO_FUNDUS_CLONE`; the truth is what fundus's hand-written "
        "parser for each publisher extracts).",
        "",
        "| figure | newsbeam | trafilatura |",
        "|---|---|---|",
        *(f"| {FIGURES[name]} | **{ours[name]}** | {theirs[name]} |" for name in SHOWN),
        *publisher_rows(registry(clone), runs),
        "",
        "- newsbeam's verdicts: "
        + ", ".join(f"{v} {n}" for v, n in Counter(run.verdict for _, _, run, _ in runs).most_common()),
        f"- Run: {time.monotonic() - started:.0f} s.",
    ]
    print("\n".join(lines))
    print("\n".join(["", *losses([(page, mine, other) for _, page, mine, other in runs], show)]))
    write_block("fundus", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
