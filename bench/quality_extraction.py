"""Main-text extraction on the ScrapingHub article-extraction benchmark (dev pages), through newsbeam's own
`extract_html` and `clean_draft` (`page_draft`), scored with the benchmark's metric.

Metric (scrapinghub/article-extraction-benchmark `evaluate.py`): tokens are `\\w+` matches, 4-token
shingles are counted as multisets, per page tp/fp/fn are normalised to sum to 1, precision is averaged over
pages that predicted something, recall over pages with ground truth, F1 = 2PR/(P+R).
Anchor: trafilatura 2.0 scores F1 0.958 on all 181 pages of the full set; target here is 0.96.

    python bench/quality_extraction.py [--show-worst N]
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import statistics
import time
from collections import Counter

from quality_util import dev_set, write_block

from schemas.document import Draft
from transforms.extract import extract_html
from transforms.text.boilerplate import clean_draft

TARGET_F1 = 0.96
ANCHOR_F1 = 0.958
REFERENCE = dt.date(2026, 11, 21)
_TOKEN = re.compile(r"\w+")


def page_draft(html: str, url: str | None) -> Draft | None:
    """A page as a run writes its text: extracted (`extract_html`), then cleaned as the CleanText stage does
    (`clean_draft`); None when there is no main text."""
    draft = extract_html(html, url, REFERENCE)
    return None if draft is None else clean_draft(draft)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(truth: str, prediction: str) -> tuple[float, float, float]:
    """Shingle matches of one page, normalised so that long pages do not weigh more."""
    true, pred = shingles(truth), shingles(prediction)
    tp = fp = fn = 0.0
    for key in true.keys() | pred.keys():
        t, p = true.get(key, 0), pred.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return 2 * p * r / (p + r), p, r


def main() -> int:
    worst = "print the N pages with the lowest F1"
    show_worst, root, truth = dev_set(__doc__, "--show-worst", worst, "extraction", "scrapinghub-dev")
    counts, per_page, seconds = [], [], []
    no_text = 0
    for key in sorted(truth):
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", errors="replace")
        started = time.perf_counter()
        draft = page_draft(html, truth[key].get("url"))
        seconds.append(time.perf_counter() - started)
        text = draft.text if draft is not None else ""
        no_text += draft is None
        c = tp_fp_fn(truth[key]["articleBody"], text)
        counts.append(c)
        p, r = precision(*c), recall(*c)
        per_page.append((2 * p * r / (p + r) if p + r else 0.0, key, p, r))
    f1, p, r = scores(counts)
    status = "met" if f1 >= TARGET_F1 else f"missed by {TARGET_F1 - f1:.3f}"
    ms = statistics.median(seconds) * 1000
    lines = [
        f"Extraction, ScrapingHub dev set ({len(truth)} pages) through `extract_html` and `clean_draft`: "
        f"**F1 {f1:.3f}** (P {p:.3f}, R {r:.3f}); target ≥ {TARGET_F1} {status}; "
        f"anchor trafilatura 2.0 F1 {ANCHOR_F1} on the full 181-page set. "
        f"{no_text} page(s) without main text; median {ms:.0f} ms/page (extraction and metadata)."
    ]
    print(lines[0])
    for f, key, pp, rr in sorted(per_page)[:show_worst]:
        print(f"  F1 {f:.3f}  P {pp:.3f}  R {rr:.3f}  {key}  {truth[key].get('url')}")
    write_block("extraction", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
