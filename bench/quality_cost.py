"""What tagging costs per article, next to trafilatura, measured within one run (medians; shared machine).

* Tagging: `build_article` on the BBC articles (plain text, ~400 words each), and each of its parts. The
  tagger before issue 4 did the date chain, keyword topics, language and identity; that sum is shown as
  "before" beside the whole of today's `build_article`.
* Extraction: `extract_html` on the ScrapingHub pages against the same trafilatura call with the old date
  settings (day-only htmldate, no schema.org scan), alternating page by page.

    python bench/quality_cost.py [--articles 600]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import statistics
import time
from collections.abc import Callable

from quality_util import data_dir, write_block

from schemas.document import Draft, RunContext
from transforms.extract import extract_html, trafilatura_options
from transforms.tag import Taggers, build_article, date_candidates
from transforms.text import dates, identity, language
from transforms.text.authors import clean_authors
from transforms.text.keywords import extract_keywords
from transforms.text.topics import Taxonomy

REFERENCE = dt.date(2026, 11, 21)
CTX = RunContext("bench", dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc), REFERENCE)


def per_item_ms(items: list, fn: Callable) -> float:  # type: ignore[type-arg]
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (data_dir("topics", "bbc-news") / "bbc_news.jsonl").open(encoding="utf-8")]
    drafts = [
        Draft(source=r["id"], source_format="txt", kind="text", text=r["text"], title=r["title"])
        for r in rows[: args.articles]
    ]
    taggers = Taggers.load()
    taxonomy = Taxonomy.load()
    for d in drafts[:20]:  # warm caches (language model, word frequencies)
        build_article(d, taggers, CTX)

    def dates_part(d: Draft) -> None:
        dates.choose_date(date_candidates(d, REFERENCE), REFERENCE)

    def identity_part(d: Draft) -> None:
        identity.article_id(identity.canonical_url(d.url), identity.content_hash(d.text))

    parts = {
        "date chain": dates_part,
        "topics, keywords only (before)": lambda d: taxonomy.score(d.text, d.title),
        "topics, model + keywords": lambda d: taggers.topics.score(d.text, d.title),
        "language": lambda d: language.detect_language(d.text, None),
        "identity": identity_part,
        "authors": lambda d: clean_authors(["By Jane Doe and John Roe", "Staff"]),
        "keywords": lambda d: extract_keywords(d.text, d.title, "en"),
        "entities": lambda d: taggers.entities.extract(d.text, "en"),
    }
    parts["whole build_article (now)"] = lambda d: build_article(d, taggers, CTX)
    # Interleaved, article by article, so that a busy moment of the machine hits every part alike.
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for d in drafts:
        for name, fn in parts.items():
            started = time.perf_counter()
            fn(d)
            samples[name].append(time.perf_counter() - started)
    costs = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    after = costs.pop("whole build_article (now)")
    old_parts = ("date chain", "topics, keywords only (before)", "language", "identity")
    before = statistics.median(sum(v) for v in zip(*(samples[k] for k in old_parts), strict=True)) * 1000

    import trafilatura

    root = data_dir("extraction", "scrapinghub-dev")
    pages = [
        gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace") for p in sorted((root / "html").glob("*.gz"))
    ]
    old = trafilatura_options(REFERENCE)
    old["date_extraction_params"] = {k: v for k, v in old["date_extraction_params"].items() if k != "outputformat"}
    new_times: list[float] = []
    old_times: list[float] = []
    for number, html in enumerate(pages * 2):
        # Both ways on every page, the order swapped every other time (the second call on a page is faster).
        runs = [(new_times, lambda h: extract_html(h, None, REFERENCE))]
        runs.append((old_times, lambda h: trafilatura.bare_extraction(h, **old)))
        swap = (number + number // len(pages)) % 2  # each page is measured both ways round
        for times, call in runs if swap else runs[::-1]:
            started = time.perf_counter()
            call(html)
            times.append(time.perf_counter() - started)
    scan = per_item_ms(pages, dates.structured_dates)
    extract_now, extract_old = statistics.median(new_times) * 1000, statistics.median(old_times) * 1000

    detail = ", ".join(f"{name} {ms:.2f}" for name, ms in costs.items())
    lines = [
        f"Cost per article (median, {len(drafts)} BBC articles; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores): tagging **{after:.2f} ms** now against "
        f"{before:.2f} ms for what the tagger did before (date chain, keyword topics, language, identity); "
        f"extraction of an HTML page (ScrapingHub, {len(pages)} pages) {extract_now:.1f} ms against "
        f"{extract_old:.1f} ms with the old date settings (the schema.org scan alone: {scan:.2f} ms).",
        "",
        f"- parts, ms: {detail}",
    ]
    print("\n".join(lines))
    write_block("cost", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
