"""Publication dates on htmldate's evaluation pages (800 pages, many German blogs and news), through
newsbeam's date chain: `extract_html` (HTML metadata, htmldate) and then the tagger's evidence choice
(`transforms.tag.date_candidates` + `transforms.dates.choose_date`: HTML > URL > text > ingest time).

A page counts as correct when the chosen day equals the ground truth; a wrong date and no date (the ingest
time) both count as errors. Coverage is the share of pages that got any date other than the ingest time.
Anchor: htmldate reports accuracy 0.90 in extensive mode and 0.86 in fast mode on its 1,000 pages; the
target here is 0.92.

    python bench/quality_dates.py [--show-errors N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import statistics
import time
from collections import Counter

from htmldate import find_date
from quality_util import data_dir, write_block

from transforms import dates
from transforms.document import DateEvidence
from transforms.extract import extract_html
from transforms.tag import date_candidates

TARGET = 0.92
ANCHOR_EXTENSIVE, ANCHOR_FAST = 0.90, 0.86
# Fixed, so the figures do not drift with the calendar; all ground-truth dates are years before it.
REFERENCE = dt.date(2026, 11, 21)


def page_date(html: str, url: str | None) -> tuple[DateEvidence | None, bool]:
    """The date newsbeam would give this page, and whether the page had main text at all.

    A page without main text is rejected by the pipeline (`no-main-text`), so it gets no date here either.
    """
    draft = extract_html(html, url, REFERENCE)
    if draft is None:
        return None, False
    return dates.choose_date(date_candidates(draft, REFERENCE), REFERENCE), True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", type=int, default=0, help="print N wrong or missing dates")
    args = parser.parse_args()
    root = data_dir("dates", "htmldate-default")
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    correct = covered = without_text = 0
    by_source: Counter[str] = Counter()
    right_by_source: Counter[str] = Counter()
    errors = []
    seconds = []
    by_confidence: dict[float, list[bool]] = {}
    htmldate_right = 0
    for item in truth:
        raw = gzip.decompress((root / item["html_file"]).read_bytes())
        html = raw.decode("utf-8", errors="replace")
        started = time.perf_counter()
        best, had_text = page_date(html, item["url"])
        seconds.append(time.perf_counter() - started)
        without_text += not had_text
        expected = dt.date.fromisoformat(item["date"])
        # The anchor on the same pages: htmldate alone, extensive, original date (its own parse).
        alone = find_date(
            html, extensive_search=True, original_date=True, url=item["url"], max_date=REFERENCE.isoformat()
        )
        htmldate_right += alone == item["date"]
        if best is not None:
            by_confidence.setdefault(best.confidence, []).append(dates.evidence_day(best) == expected)
        source = best.source if best is not None else "none"
        by_source[source] += 1
        if best is not None:
            covered += 1
            if dates.evidence_day(best) == expected:
                correct += 1
                right_by_source[source] += 1
                continue
        errors.append((item["url"], item["date"], best))
    n = len(truth)
    accuracy, coverage = correct / n, covered / n
    status = "met" if accuracy >= TARGET else f"missed by {TARGET - accuracy:.3f}"
    sources = ", ".join(f"{s} {by_source[s]} ({right_by_source[s]} right)" for s in sorted(by_source))
    ms = statistics.median(seconds) * 1000
    bands = "; ".join(
        f"{c:.2f}: {sum(ok)}/{len(ok)} right" for c, ok in sorted(by_confidence.items(), reverse=True) if len(ok) >= 3
    )
    lines = [
        f"Dates, htmldate evaluation set ({n} pages) through the date chain: **accuracy {accuracy:.3f}**, "
        f"coverage {coverage:.3f}; target ≥ {TARGET} {status}; anchors htmldate extensive {ANCHOR_EXTENSIVE}, "
        f"fast {ANCHOR_FAST} (on its 1,000 pages), and htmldate alone (extensive, original date) on these pages "
        f"{htmldate_right / n:.3f}. Chosen source: {sources}; {without_text} page(s) without main text get no "
        f"date. Median {ms:.0f} ms/page (whole extraction).",
        "",
        f"- accuracy by `date_confidence`: {bands}",
    ]
    print("\n".join(lines))
    for url, expected, best in errors[: args.show_errors]:
        got = "-" if best is None else f"{dates.evidence_day(best)} {best.source} {best.confidence} {best.detail!r}"
        print(f"  want {expected} got {got}  {url}")
    write_block("dates", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
