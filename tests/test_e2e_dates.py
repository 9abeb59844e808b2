"""End to end, dates users can trust: the `newsbeam` CLI on the seeds plus HTML pages, checked through DuckDB.

A page whose only date-like statement is its copyright notice is dated by its ingest time (`ingested`), not
January 1st of the copyright year; plain texts without a date of their own take their story's day (`story`);
and the seeds' texts come out as before.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.query import connect
from schemas.article import DATE_SOURCES
from tests.conftest import SEEDS
from tests.html_samples import news_page
from tests.support import REFERENCE, REMOVED, newsbeam, summary_counts
from transforms.text.stories import FIRM_DATE_CONFIDENCE, STORY_DATE_CONFIDENCE

pytestmark = pytest.mark.e2e

COPYRIGHT_YEAR = 2026


GUIDE_PARAGRAPHS = [
    "Tomatoes want at least six hours of direct sun, so pick the brightest corner of the garden for them.",
    "Water the soil rather than the leaves, early in the morning, and mulch the beds to keep the roots cool.",
    "Pinch out the side shoots of cordon varieties every week, or the plants spend their strength on leaves.",
    "Feed them with a high-potash fertiliser once the first trusses have set, and stop when the fruit ripens.",
]


def copyright_only_page() -> str:
    """A page that states no date: no metadata, none in the URL or the text, a © year in the footer. Its text
    is like no other input's, so it joins no story either."""
    body = "\n".join(f"<p>{p}</p>" for p in GUIDE_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Growing tomatoes | Garden Guide</title></head>
<body><nav><a href="/">Home</a> <a href="/guides">Guides</a></nav>
<main><article><h1>Growing tomatoes</h1>
{body}
</article></main>
<footer><p>© {COPYRIGHT_YEAR} Garden Guide. All rights reserved.</p></footer>
</body></html>"""


UPDATED_AT = dt.datetime(2025, 12, 22, 16, 45, tzinfo=dt.timezone.utc)


def updated_news_page() -> str:
    """A news page published on 19 December that shows its reader an update three days later, whose time its
    markup states."""
    return (
        news_page("Ferry timetable changes for the winter")
        .replace("By Maria Lopez</p>", "By Maria Lopez · Updated 22 December 2025</p>")
        .replace("</head>", '<meta property="article:modified_time" content="2025-12-22T17:45:00+01:00"></head>')
    )


@pytest.fixture(scope="module")
def dated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("input")
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    (folder / "copyright-only.html").write_text(copyright_only_page(), encoding="utf-8")
    (folder / "dated.html").write_text(updated_news_page(), encoding="utf-8")
    out = tmp_path_factory.mktemp("dates") / "articles"
    result = newsbeam("run", "--input", str(folder), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    assert summary_counts(result.stdout) == {"read": 7, "written": 7, "duplicates": 0, "rejected": 0}
    return out


def rows(out: Path) -> dict[str, tuple]:
    columns = "source, date, date_source, date_confidence, published_at, story_id, text, updated_at"
    found = connect(str(out)).sql(f"SELECT {columns} FROM articles").fetchall()
    return {Path(r[0]).name: r[1:] for r in found}


def test_a_copyright_year_is_no_date(dated_run: Path) -> None:
    date, source, _, published_at, story_id, *_ = rows(dated_run)["copyright-only.html"]
    assert source == "ingested" and published_at is None
    assert story_id not in {row[4] for name, row in rows(dated_run).items() if name != "copyright-only.html"}
    assert date != dt.date(COPYRIGHT_YEAR, 1, 1)
    assert (dated_run / f"date={date.isoformat()}").is_dir()


def test_a_page_with_a_date_keeps_it(dated_run: Path) -> None:
    date, source, confidence, published_at, *_ = rows(dated_run)["dated.html"]
    assert (date, source) == (dt.date(2025, 12, 19), "html")
    assert published_at is not None and confidence >= FIRM_DATE_CONFIDENCE


def test_an_update_is_a_column_of_its_own(dated_run: Path) -> None:
    """The page's update goes to `updated_at` with the markup's time; it moves neither the publication nor the
    partition. A page or text that states no update has none."""
    found = rows(dated_run)
    date, *_, updated = found["dated.html"]
    assert date == dt.date(2025, 12, 19) and updated == UPDATED_AT
    assert {name: row[-1] for name, row in found.items() if name != "dated.html"} == dict.fromkeys(
        (n for n in found if n != "dated.html"), None
    )


def test_undated_seeds_take_their_storys_day(dated_run: Path) -> None:
    """000 and 001 state their days; 002 and 003 state none and join their story, dated December 2025."""
    found = rows(dated_run)
    by_seed = {name[:3]: row for name, row in found.items() if name.endswith(".txt")}
    assert {row[1] for key, row in by_seed.items() if key in ("000", "001")} == {"text"}
    story_days = [by_seed[k][0] for k in ("000", "001")]
    for key in ("002", "003"):
        date, source, confidence, published_at, story_id, *_ = by_seed[key]
        assert source == "story" and source in DATE_SOURCES
        assert story_id == by_seed["000"][4]
        assert date == max(story_days) and date.year == 2025 and date.month == 12
        assert confidence == pytest.approx(STORY_DATE_CONFIDENCE) and confidence < FIRM_DATE_CONFIDENCE
        assert published_at is None  # the text itself states no time of publication
        assert (dated_run / f"date={date.isoformat()}").is_dir()


def test_seeds_come_out_as_before(dated_run: Path) -> None:
    """Six boilerplate lines gone, every other line kept; 000, 001 and 002 one story."""
    found = rows(dated_run)
    removed_total = 0
    for seed in SEEDS.glob("*.txt"):
        text = found[seed.name][5]
        original = [line.rstrip() for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
        removed = REMOVED.get(seed.name, [])
        kept = [line for line in original if not any(line.startswith(r) for r in removed)]
        assert text.splitlines() == kept, seed.name
        removed_total += len(original) - len(kept)
    assert removed_total == 6
    story = {name[:3]: row[4] for name, row in found.items()}
    assert story["000"] == story["001"] == story["002"]
