"""WCXB dev pages (`../shared/data/extraction/wcxb-dev`) and their metrics, shared by the quality benchmark,
the page-kind trainer and development checks.

Each page carries its type (article, service, forum, listing, product, collection, documentation) and a
reviewed ground truth: title, author, publication day (null when the page states none) and main text.

Metrics, per page:
- text F1: WCXB's word metric, F1 over the bags of lower-cased `\\w+` tokens; no output scores 0;
- title exact: equal after Unicode, quote, whitespace and case normalisation;
- author match: at least one name given and every name given is part of the true credit (its words after
  folding case and accents; credentials such as "Ph.D." in the truth do not count against it);
- junk author: a name given that is not part of the true credit (pages without a true author included);
- date day: the day given equals the true day (pages with a true date); dated undated: a page whose truth
  says it states no date was given one.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from quality_util import data_dir

_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})


@dataclass(frozen=True)
class Page:
    page_id: str
    url: str | None
    kind: str  # WCXB's primary page type
    html_path: Path
    title: str | None
    author: str | None
    date: str | None  # YYYY-MM-DD or None: the page states no date
    text: str

    @property
    def is_article(self) -> bool:
        return self.kind == "article"

    def html_bytes(self) -> bytes:
        return gzip.decompress(self.html_path.read_bytes())


def pages(kinds: Iterable[str] | None = None) -> Iterator[Page]:
    """Every page of the dev set in id order (only `kinds` when given)."""
    wanted = set(kinds) if kinds is not None else None
    root = data_dir("extraction", "wcxb-dev")
    for path in sorted((root / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        kind = record["_internal"]["page_type"]["primary"]
        if wanted is not None and kind not in wanted:
            continue
        truth = record["ground_truth"]
        yield Page(
            page_id=path.stem,
            url=record.get("url") or None,
            kind=kind,
            html_path=root / "html" / f"{path.stem}.html.gz",
            title=truth.get("title") or None,
            author=truth.get("author") or None,
            date=truth.get("publish_date") or None,
            text=truth.get("main_content") or "",
        )


def text_f1(truth: str, prediction: str | None) -> float:
    """WCXB's word F1: bags of lower-cased `\\w+` tokens; no prediction scores 0."""
    if not prediction:
        return 0.0
    true, pred = Counter(_WORD.findall(truth.lower())), Counter(_WORD.findall(prediction.lower()))
    common = sum((true & pred).values())
    if not common:
        return 0.0
    p, r = common / sum(pred.values()), common / sum(true.values())
    return 2 * p * r / (p + r)


def normal_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").translate(_QUOTES)
    return " ".join(text.split()).casefold().strip(" .")


def title_exact(truth: str | None, prediction: str | None) -> bool:
    return bool(truth) and normal_title(truth) == normal_title(prediction)


def _fold_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)


def author_match(truth: str | None, names: Iterable[str]) -> bool:
    """At least one name, and each name's words all within the true credit's words."""
    given = [n for n in names if n.strip()]
    if not truth or not given:
        return False
    credit = set(_fold_words(truth))
    return all(set(_fold_words(name)) <= credit for name in given)


def junk_authors(truth: str | None, names: Iterable[str]) -> list[str]:
    """The names given that are not part of the true credit (all of them when the page credits nobody)."""
    credit = set(_fold_words(truth or ""))
    return [n for n in names if n.strip() and not set(_fold_words(n)) <= credit]


@dataclass(frozen=True)
class Prediction:
    """What one extractor gave one page. `written` says whether it would keep the page as an article
    (newsbeam: main text found, the gate said article, enough words; a bare extractor: any text)."""

    text: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    day: str | None = None  # YYYY-MM-DD; None when the page was given no date
    written: bool = False
    publisher: str | None = None  # the site's name as written (newsbeam's `publisher`, trafilatura's `sitename`)


@dataclass(frozen=True)
class Score:
    """A mean (`share` False: e.g. text F1) or a share of pages (`share` True) over `n` pages."""

    total: float
    n: int
    share: bool = True

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None

    def __str__(self) -> str:
        if not self.n:
            return "-"
        if self.share:
            return f"{self.total / self.n:.3f} ({self.total:.0f}/{self.n})"
        return f"{self.total / self.n:.3f}"


# The figures of `score`, in the order a table shows them, with what each one counts.
FIGURES = {
    "text_f1": "text F1, extracted (WCXB word metric, gate ignored)",
    "text_f1_written": "text F1, as written (a page turned away scores 0)",
    "title_exact": "title exact (pages with a true title)",
    "author_match": "author match (pages with a true author)",
    "junk_author": "pages given a name not in the true credit",
    "author_invented": "pages without a true author given one",
    "date_day": "date day right (pages with a true date)",
    "undated_dated": "undated pages given a date",
    "non_articles_written": "non-articles written",
    "articles_turned_away": "articles turned away",
}


def score(results: Iterable[tuple[Page, Prediction]]) -> dict[str, Score]:
    """Every figure of `FIGURES` over some pages; each figure's `n` is the pages it applies to.

    Title, author and date figures read what the extractor gave whether or not it wrote the page, so
    they measure the metadata apart from the article gate; `text_f1_written` and the last two measure
    the gate.
    """
    sums: dict[str, float] = dict.fromkeys(FIGURES, 0.0)
    counts: dict[str, int] = dict.fromkeys(FIGURES, 0)

    def add(name: str, value: float) -> None:
        sums[name] += value
        counts[name] += 1

    for page, pred in results:
        f1 = text_f1(page.text, pred.text)
        add("text_f1", f1)
        add("text_f1_written", f1 if pred.written else 0.0)
        if page.title:
            add("title_exact", title_exact(page.title, pred.title))
        if page.author:
            add("author_match", author_match(page.author, pred.authors))
        else:
            add("author_invented", any(a.strip() for a in pred.authors))
        add("junk_author", bool(junk_authors(page.author, pred.authors)))
        if page.date:
            add("date_day", pred.day == page.date)
        else:
            add("undated_dated", pred.day is not None)
        if page.is_article:
            add("articles_turned_away", not pred.written)
        else:
            add("non_articles_written", pred.written)
    means = {"text_f1", "text_f1_written"}
    return {name: Score(sums[name], counts[name], share=name not in means) for name in FIGURES}
