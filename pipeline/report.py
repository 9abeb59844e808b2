"""`newsbeam report`: one self-contained HTML page of what a dataset holds and how well it was ingested.

Every number comes from DuckDB over the dataset (`pipeline.query.connect`), the run manifests
(`pipeline.runs`, registered as a table) and the web-source state table; each figure is drawn from exactly
the rows of the plain table printed beside it. Charts are Vega-Lite specs rendered to inline SVG by
vl-convert (a self-contained renderer: no browser, no JavaScript and no fonts in the page, so the file opens
offline and shows the same everywhere); the page has no script at all. Measured on this project's data
(BENCHMARKS.md, "Report"): vl-convert costs ~0.4 s of CPU to start and 0.03–0.14 s a chart, against ~1 s to
import matplotlib and ~0.4 s a chart.

The period is the last `--days` days up to the latest day the dataset saw activity (a run, an ingested
article or a rejected input), so a report of an old dataset is not empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from pipeline import dataset_parser
from pipeline.query import _has_files, _quote, connect
from pipeline.runs import Run, format_duration, load_runs, remote_filesystem

# The state table of web sources (schemas/state.py SOURCES_TABLE under transforms/storage/tables.py STATE_DIR,
# which imports Beam's file layer; this command does without). tests/test_report.py checks they agree.
WEB_SOURCES_DIR = ("_state", "web_sources")
NOT_AN_ARTICLE = "not-an-article"  # transforms/extract.py's reason for a page that is not an article
TOP = 15  # rows of the "top" tables (publishers, stories)
RECENT_RUNS = 10

Value = Any
Rows = list[tuple[Value, ...]]


@dataclass
class Figure:
    """A chart and the table of its numbers. `chart` builds a Vega-Lite spec from `data` (long-form rows)."""

    id: str
    title: str
    note: str
    columns: list[str]
    rows: Rows
    data: list[dict[str, Value]] = field(default_factory=list)
    chart: Callable[[list[dict[str, Value]]], dict[str, Any]] | None = None
    empty: str = "Nothing in this period."
    days: list[str] | None = None  # a chart by day shows every day of the period, with data or not


@dataclass
class Section:
    id: str
    title: str
    intro: str
    figures: list[Figure]
    extra_html: str = ""


@dataclass
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def day_list(self) -> list[str]:
        return [str(self.start + dt.timedelta(days=n)) for n in range(self.days)]


# --- data -----------------------------------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Value] = ()) -> Rows:
    return [tuple(r) for r in con.execute(sql, list(params)).fetchall()]


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Value] = ()) -> list[dict[str, Value]]:
    relation = con.execute(sql, list(params))
    names = [d[0] for d in relation.description]
    return [dict(zip(names, r, strict=True)) for r in relation.fetchall()]


RUNS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("started", pa.timestamp("us", tz="UTC")),
        ("finished", pa.timestamp("us", tz="UTC")),
        ("duration_s", pa.float64()),
        ("read", pa.int64()),
        ("written", pa.int64()),
        ("duplicates", pa.int64()),
        ("rejected", pa.int64()),
        ("balanced", pa.bool_()),
    ]
)
RUN_SOURCES_SCHEMA = pa.schema([("run_id", pa.string()), ("source", pa.string())])
WEB_SOURCES_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("kind", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        ("entries", pa.string()),
    ]
)


def register(con: duckdb.DuckDBPyConnection, output: str, runs: Sequence[Run]) -> None:
    """Views `runs` (one row per manifest), `run_sources` (the web sources each run named) and `web_sources`
    (every full response of a feed or sitemap), beside `articles`, `articles_latest` and `rejected`."""
    runs_table = pa.Table.from_pylist(
        [
            {
                "run_id": r.run_id,
                "started": r.started,
                "finished": r.finished,
                "duration_s": r.duration_s,
                "read": r.read,
                "written": r.written,
                "duplicates": r.duplicates,
                "rejected": r.rejected,
                "balanced": r.balanced,
            }
            for r in runs
        ],
        schema=RUNS_SCHEMA,
    )
    sources = [{"run_id": r.run_id, "source": s} for r in runs for s in dict.fromkeys(_named_sources(r.params))]
    con.register("_runs", runs_table)
    con.execute("CREATE OR REPLACE VIEW runs AS SELECT * FROM _runs")
    con.register("_run_sources", pa.Table.from_pylist(sources, schema=RUN_SOURCES_SCHEMA))
    con.execute("CREATE OR REPLACE VIEW run_sources AS SELECT * FROM _run_sources")
    pattern = "/".join((output.rstrip("/"), *WEB_SOURCES_DIR, "*.parquet"))
    if _has_files(con, pattern):
        columns = ", ".join(WEB_SOURCES_SCHEMA.names)
        con.execute(f"CREATE OR REPLACE VIEW web_sources AS SELECT {columns} FROM read_parquet({_quote(pattern)})")
    else:
        con.register("_web_sources", WEB_SOURCES_SCHEMA.empty_table())
        con.execute("CREATE OR REPLACE VIEW web_sources AS SELECT * FROM _web_sources")


def _named_sources(params: Mapping[str, Any]) -> list[str]:
    """The feeds and sitemaps a run named: a batch run's `web.sources`, a stream window's `sources`."""
    return list((params.get("web") or {}).get("sources") or params.get("sources") or [])


def find_period(con: duckdb.DuckDBPyConnection, days: int) -> Period | None:
    """The last `days` days up to the dataset's latest activity; None for a dataset with none."""
    (end,) = con.execute(
        "SELECT max(d) FROM (SELECT max(started)::DATE AS d FROM runs "
        "UNION ALL SELECT max(ingested_at)::DATE FROM articles "
        "UNION ALL SELECT max(rejected_at)::DATE FROM rejected)"
    ).fetchone() or (None,)
    if end is None:
        return None
    return Period(end - dt.timedelta(days=days - 1), end)


# Articles of the period: ingested in it (one row per article, its latest revision); `outlet` is the publisher,
# else the host of the URL. A table, read once: every figure of the page starts from it.
INTAKE = """
CREATE OR REPLACE TEMP TABLE intake AS
SELECT article_id, title, url, publisher, language, published_at, date, date_source, topic, duplicate_of, story_id,
       ingested_at, ingested_at::DATE AS ingest_day, updated_at::DATE > date AS updated,
       coalesce(nullif(publisher, ''), nullif(regexp_extract(url, '^[a-z]+://(?:www\\.)?([^/:?#]+)', 1), ''),
                '(unknown)') AS outlet
FROM articles_latest WHERE ingested_at::DATE BETWEEN DATE '{start}' AND DATE '{end}'
"""


def _runs_section(con: duckdb.DuckDBPyConnection, period: Period, runs: Sequence[Run]) -> Section:
    per_day = _rows(
        con,
        "SELECT started::DATE AS day, count(*) AS runs, sum(read) AS read, sum(written) AS written, "
        "sum(duplicates) AS duplicates, sum(rejected) AS rejected, round(sum(duration_s), 1) AS seconds, "
        "count(*) FILTER (WHERE NOT balanced) AS unbalanced "
        "FROM runs WHERE started::DATE BETWEEN ? AND ? GROUP BY ALL ORDER BY day",
        [period.start, period.end],
    )
    data = [
        {"day": str(day), "outcome": outcome, "inputs": n}
        for day, _, _, written, duplicates, rejected, _, _ in per_day
        for outcome, n in (("written", written), ("duplicates", duplicates), ("rejected", rejected))
    ]
    recent = [
        (
            r.run_id,
            r.started.strftime("%Y-%m-%d %H:%M") if r.started else "?",
            format_duration(r.duration_s),
            r.read,
            r.written,
            r.duplicates,
            r.rejected,
            "yes" if r.balanced else "NO",
        )
        for r in reversed(runs[-RECENT_RUNS:])
    ]
    figures = [
        Figure(
            "runs-per-day",
            "Inputs per day",
            "Every input a run read ends written, a duplicate or rejected; the bars stack to what was read.",
            ["day", "runs", "read", "written", "duplicates", "rejected", "seconds", "unbalanced"],
            per_day,
            data,
            lambda d: _stacked_days(d, "inputs", "outcome", ["written", "duplicates", "rejected"], OUTCOME_COLORS),
            "No run started in this period.",
        ),
        Figure(
            "recent-runs",
            f"Latest {min(RECENT_RUNS, len(runs))} runs",
            "From the run manifests (`newsbeam runs` prints the same).",
            ["run id", "start (UTC)", "duration", "read", "written", "duplicates", "rejected", "balanced"],
            recent,
            empty="No runs yet.",
        ),
    ]
    return Section("runs", "Runs", "", figures, _last_run_html(runs[-1]) if runs else "")


def _last_run_html(run: Run) -> str:
    counts = run.counts
    items = [
        ("run", run.run_id),
        ("started", run.started.strftime("%Y-%m-%d %H:%M:%S UTC") if run.started else "?"),
        ("duration", format_duration(run.duration_s)),
        ("read", run.read),
        ("written", run.written),
        ("duplicates", run.duplicates),
        ("rejected", run.rejected),
        ("balanced", "yes" if run.balanced else "NO"),
    ]
    if any(k.startswith("web|") for k in counts):
        items.append(
            (
                "web sources",
                f"{counts.get('web|sources-fetched', 0)} fetched, {counts.get('web|sources-not-modified', 0)} "
                f"not modified, {counts.get('web|entries', 0)} entries",
            )
        )
    reasons = sorted(run.rejected_by().items(), key=lambda kv: -kv[1])
    if reasons:
        items.append(("rejected by", ", ".join(f"{s}/{r}: {n}" for (s, r), n in reasons[:6])))
    cells = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f'<div class="card" id="last-run"><h3>Last run</h3><dl class="summary">{cells}</dl></div>'


def _articles_section(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    long = _dicts(
        con,
        "SELECT date AS day, topic, count(*) AS articles FROM intake WHERE date BETWEEN ? AND ? "
        "GROUP BY ALL ORDER BY day, topic",
        [period.start, period.end],
    )
    topics = sorted({r["topic"] for r in long})
    columns, rows = _pivot(long, "day", "topic", "articles", topics)
    (before, after) = con.execute(
        "SELECT count(*) FILTER (WHERE date < ?), count(*) FILTER (WHERE date > ?) FROM intake",
        [period.start, period.end],
    ).fetchone() or (0, 0)
    note = "Articles ingested in the period (latest revision of each), by publication day and topic."
    if before or after:
        note += f" Not shown: {before} published before the period, {after} dated after it."
    languages = _rows(
        con,
        "SELECT coalesce(language, '(unknown)') AS language, count(*) AS articles, "
        "round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS share_pct FROM intake "
        "GROUP BY ALL ORDER BY articles DESC, language",
    )
    publishers = _rows(
        con,
        f"SELECT outlet, count(*) AS articles, min(date) AS first, max(date) AS last FROM intake "
        f"GROUP BY ALL ORDER BY articles DESC, outlet LIMIT {TOP}",
    )
    for r in long:
        r["day"] = str(r["day"])
    return Section(
        "articles",
        "Articles",
        "",
        [
            Figure(
                "articles-per-day",
                "Articles per day, by topic",
                note,
                columns,
                rows,
                long,
                lambda d: _stacked_days(d, "articles", "topic", topics, None),
                "No article published in this period.",
            ),
            Figure(
                "languages",
                "Languages",
                "Articles ingested in the period, by detected language.",
                ["language", "articles", "share %"],
                languages,
                [{"label": r[0], "value": r[1]} for r in languages],
                lambda d: _bars(d, "articles"),
                "No article ingested in this period.",
            ),
            Figure(
                "publishers",
                f"Top {TOP} publishers",
                "The publisher an article names, else the host of its URL; first and last publication day.",
                ["publisher", "articles", "first", "last"],
                publishers,
                [{"label": r[0], "value": r[1]} for r in publishers],
                lambda d: _bars(d, "articles"),
                "No article ingested in this period.",
            ),
        ],
    )


def _quality_section(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    span = [period.start, period.end]
    sources_long = _dicts(
        con,
        "SELECT ingest_day AS day, date_source, count(*) AS articles, "
        "round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY ingest_day), 1) AS share_pct "
        "FROM intake GROUP BY ingest_day, date_source ORDER BY day, date_source",
    )
    kinds = sorted({r["date_source"] for r in sources_long}, key=_date_source_order)
    columns, share_rows = _pivot(sources_long, "day", "date_source", "share_pct", kinds, total=False)
    totals = {
        r[0]: r[1:]
        for r in _rows(con, "SELECT ingest_day, count(*), count(*) FILTER (updated) FROM intake GROUP BY ALL")
    }
    share_rows = [(*row, *totals[row[0]]) for row in share_rows]
    rejects = _dicts(
        con,
        "SELECT rejected_at::DATE AS day, stage, reason, count(*) AS rejected FROM rejected "
        "WHERE rejected_at::DATE BETWEEN ? AND ? GROUP BY ALL ORDER BY day, stage, reason",
        span,
    )
    non_articles = _rows(
        con,
        "SELECT rejected_at::DATE AS day, count(*) AS turned_away, count(DISTINCT source) AS sources FROM rejected "
        "WHERE reason = ? AND rejected_at::DATE BETWEEN ? AND ? GROUP BY ALL ORDER BY day",
        [NOT_AN_ARTICLE, *span],
    )
    near = _rows(
        con,
        "WITH a AS (SELECT ingest_day AS day, count(*) AS articles, count(duplicate_of) AS near_duplicates "
        "FROM intake GROUP BY ALL), "
        "r AS (SELECT started::DATE AS day, sum(duplicates) AS exact FROM runs "
        "WHERE started::DATE BETWEEN ? AND ? GROUP BY ALL) "
        "SELECT coalesce(a.day, r.day) AS day, coalesce(articles, 0), coalesce(near_duplicates, 0), "
        "round(100.0 * coalesce(near_duplicates, 0) / nullif(articles, 0), 1), coalesce(exact, 0) "
        "FROM a FULL JOIN r ON a.day = r.day ORDER BY day",
        span,
    )
    for r in sources_long:
        r["day"] = str(r["day"])
    for r in rejects:
        r["day"], r["kind"] = str(r["day"]), f"{r['stage']}/{r['reason']}"
    return Section(
        "quality",
        "Data quality",
        "",
        [
            Figure(
                "date-sources",
                "Where publication dates came from",
                "Share (%) of the articles ingested each day by the evidence their date rests on; a rising "
                "`ingested` share means dates are being lost (the ingest day stands in). `updated`: how many of "
                "them state an update on a later day than their publication (`updated_at`).",
                [*columns, "articles", "updated"],
                share_rows,
                sources_long,
                lambda d: _stacked_days(d, "share_pct", "date_source", kinds, None, normalise=True),
                "No article ingested in this period.",
            ),
            Figure(
                "rejects",
                "Rejected inputs, by stage and reason",
                "Rows of `_rejected/` by the day they were turned away (`newsbeam query` shows the details).",
                ["day", "stage", "reason", "rejected"],
                [(r["day"], r["stage"], r["reason"], r["rejected"]) for r in rejects],
                rejects,
                lambda d: _stacked_days(d, "rejected", "kind", sorted({r["kind"] for r in d}), None),
                "Nothing rejected in this period.",
            ),
            Figure(
                "non-articles",
                "Non-articles turned away",
                f"Pages rejected as `{NOT_AN_ARTICLE}` (index pages, listings, forms), per day.",
                ["day", "turned away", "sources"],
                non_articles,
                [{"day": str(r[0]), "kind": NOT_AN_ARTICLE, "n": r[1]} for r in non_articles],
                lambda d: _stacked_days(d, "n", "kind", [NOT_AN_ARTICLE], None, title="pages"),
                "No page was turned away as a non-article in this period.",
            ),
            Figure(
                "near-duplicates",
                "Duplicates",
                "Near-duplicates are written but flagged (`duplicate_of`); exact duplicates (same text or an "
                "already seen URL) are not written and are counted by the runs.",
                ["day", "articles", "near-duplicates", "near-duplicate %", "exact duplicates"],
                near,
                [
                    {"day": str(r[0]), "kind": kind, "n": n}
                    for r in near
                    for kind, n in (("near-duplicates", r[2]), ("exact duplicates", r[4]))
                ],
                lambda d: _stacked_days(
                    d, "n", "kind", ["near-duplicates", "exact duplicates"], None, grouped=True, title="articles"
                ),
                "No article or run in this period.",
            ),
        ],
    )


# Per web source and run of the period: fetched (a full response, stored in `web_sources`), failed (a rejected
# row of stage `fetch` for the source's URL) or not modified (named by the run, neither fetched nor failed:
# a 304 answered from the stored listing).
SOURCE_EVENTS = """
CREATE OR REPLACE TEMP VIEW source_events AS
WITH period_runs AS (SELECT run_id, started FROM runs WHERE started::DATE BETWEEN DATE '{start}' AND DATE '{end}'),
known AS (SELECT source AS url FROM run_sources UNION SELECT url FROM web_sources),
fetched AS (SELECT url, run_id, any_value(kind) AS kind,
                   max(json_array_length(entries::JSON -> 'entries')) AS entries
            FROM web_sources GROUP BY ALL),
failed AS (SELECT url, run_id, string_agg(DISTINCT reason, ', ') AS reason FROM rejected
           WHERE stage = 'fetch' AND url IN (SELECT url FROM known) GROUP BY ALL),
touched AS (SELECT source AS url, run_id FROM run_sources UNION SELECT url, run_id FROM fetched
            UNION SELECT url, run_id FROM failed)
SELECT t.url, t.run_id, p.started, f.kind, f.entries, x.reason,
       CASE WHEN f.url IS NOT NULL THEN 'fetched' WHEN x.url IS NOT NULL THEN 'failed: ' || x.reason
            ELSE 'not modified' END AS status
FROM touched t JOIN period_runs p USING (run_id)
LEFT JOIN fetched f ON f.url = t.url AND f.run_id = t.run_id
LEFT JOIN failed x ON x.url = t.url AND x.run_id = t.run_id
"""

SOURCES_TABLE_SQL = """
SELECT url,
       coalesce(any_value(kind) FILTER (WHERE kind IS NOT NULL),
                (SELECT any_value(kind) FROM web_sources w WHERE w.url = e.url)) AS kind,
       count(*) AS runs,
       count(*) FILTER (WHERE status = 'fetched') AS fetched,
       count(*) FILTER (WHERE status = 'not modified') AS not_modified,
       count(*) FILTER (WHERE status LIKE 'failed%') AS failures,
       round(100.0 * count(*) FILTER (WHERE status = 'not modified') / count(*), 1) AS not_modified_pct,
       arg_max(status, started) AS last_status,
       strftime(max(started), '%Y-%m-%d %H:%M') AS last_run,
       (SELECT arg_max(json_array_length(entries::JSON -> 'entries'), fetched_at) FROM web_sources w
        WHERE w.url = e.url) AS entries
FROM source_events e GROUP BY url ORDER BY failures DESC, url
"""


def _sources_section(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    con.execute(SOURCE_EVENTS.format(start=period.start, end=period.end))
    rows = _rows(con, SOURCES_TABLE_SQL)
    data = [
        {"label": r[0], "kind": kind, "value": n}
        for r in rows
        for kind, n in (("fetched", r[3]), ("not modified", r[4]), ("failed", r[5]))
    ]
    return Section(
        "sources",
        "Web sources",
        "",
        [
            Figure(
                "web-sources",
                "Feeds and sitemaps",
                "Per source, over the runs of the period: full responses (`fetched`), `304 Not Modified` "
                "answers, failures; the last status and how many entries its last full listing held.",
                [
                    "source",
                    "kind",
                    "runs",
                    "fetched",
                    "not modified",
                    "failures",
                    "not modified %",
                    "last status",
                    "last run",
                    "entries",
                ],
                rows,
                data,
                _source_bars,
                "No feed or sitemap was read in this period.",
            )
        ],
    )


def _stories_section(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    rows = _rows(
        con,
        # The earliest headline; among headlines of the same moment the first in order, so that the page is
        # the same however the files are listed.
        "SELECT story_id, coalesce(first(title ORDER BY coalesce(published_at, ingested_at), title) "
        "FILTER (WHERE title IS NOT NULL), '(untitled)') AS headline, "
        "count(*) AS articles, count(DISTINCT outlet) AS outlets, "
        "array_to_string(list_sort(list_distinct(list(outlet)))[1:5], ', ') AS named_outlets, "
        "min(date) AS first, max(date) AS last FROM intake WHERE story_id IS NOT NULL "
        f"GROUP BY story_id ORDER BY articles DESC, outlets DESC, last DESC, story_id LIMIT {TOP}",
    )
    return Section(
        "stories",
        "Stories",
        "",
        [
            Figure(
                "stories",
                f"Largest {TOP} stories",
                "Articles ingested in the period grouped by `story_id`: the earliest headline, how many "
                "articles and outlets, and the first and last publication day.",
                ["story", "headline", "articles", "outlets", "outlets (first 5)", "first", "last"],
                rows,
                [{"label": f"{n}. {_clip(r[1], 40)}", "value": r[2]} for n, r in enumerate(rows, start=1)],
                lambda d: _bars(d, "articles"),
                "No story in this period.",
            )
        ],
    )


def _pivot(
    long: list[dict[str, Value]], row_key: str, col_key: str, value: str, cols: list[str], total: bool = True
) -> tuple[list[str], Rows]:
    """Long rows → one row per `row_key` with a column per `cols` (0 when absent) and a total."""
    by_row: dict[Value, dict[str, Value]] = {}
    for r in long:
        by_row.setdefault(r[row_key], {})[r[col_key]] = r[value]
    rows: Rows = []
    for key in sorted(by_row):
        cells = [by_row[key].get(c, 0) for c in cols]
        rows.append((key, *cells, sum(cells)) if total else (key, *cells))
    return [row_key, *cols, *(["total"] if total else [])], rows


def _date_source_order(name: str) -> tuple[int, str]:
    order = ("feed", "sitemap", "html", "url", "text", "ingested")
    return (order.index(name) if name in order else len(order), name)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --- charts ---------------------------------------------------------------------------------------------------

OUTCOME_COLORS = {"written": "#4c78a8", "duplicates": "#9ecae9", "rejected": "#e45756"}
# vl-convert lays text out with the fonts it finds; the browser must draw it in one of the same width, so the
# generic family (DejaVu Sans on Debian), not the page's own font.
FONT = "sans-serif"
CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelColor": "#444", "titleColor": "#444", "gridColor": "#eee", "domainColor": "#aaa"},
    "legend": {"labelLimit": 260, "orient": "bottom", "columns": 2, "symbolType": "square", "columnPadding": 16},
    "background": "white",
    "padding": {"left": 12, "right": 12, "top": 6, "bottom": 6},
}
WIDTH = 560


def _stacked_days(
    data: list[dict[str, Value]],
    value: str,
    colour: str,
    domain: list[str],
    colours: dict[str, str] | None,
    normalise: bool = False,
    grouped: bool = False,
    title: str | None = None,
) -> dict[str, Any]:
    scale: dict[str, Any] = {"domain": domain}
    if colours:
        scale["range"] = [colours[d] for d in domain]
    elif len(domain) > 10:
        scale["scheme"] = "tableau20"
    spec: dict[str, Any] = {
        "data": {"values": data},
        "mark": {"type": "bar", "tooltip": False},
        "encoding": {
            # Days as MM-DD; the table beside the chart has the full dates.
            "x": {
                "field": "day",
                "type": "ordinal",
                "title": None,
                "axis": {"labelAngle": -45, "labelExpr": "slice(datum.label, 5)"},
            },
            "y": {
                "field": value,
                "type": "quantitative",
                "title": title or value,
                "stack": "normalize" if normalise else True,
            },
            "color": {"field": colour, "type": "nominal", "title": None, "scale": scale},
            "order": {"field": "_order", "type": "quantitative"},
        },
        "transform": [{"calculate": f"indexof({json.dumps(domain)}, datum[{json.dumps(colour)}])", "as": "_order"}],
        "width": WIDTH,
        "height": 200,
    }
    if normalise:
        spec["encoding"]["y"]["axis"] = {"format": "%"}
        spec["encoding"]["y"]["title"] = "share"
    else:
        bars = [{"label": r["day"] if not grouped else (r["day"], r[colour]), "value": r[value] or 0} for r in data]
        spec["encoding"]["y"]["axis"] = _count_axis(_top(bars, "label"))
    if grouped:
        spec["encoding"]["y"]["stack"] = None
        spec["encoding"]["xOffset"] = {"field": colour, "sort": domain}
    return spec


def _count_axis(top: float) -> dict[str, Any]:
    """An axis of counts: whole numbers only (no 0.5 articles), at most 5 ticks."""
    return {"format": "d", "tickCount": max(1, min(5, int(top)))}


def _top(data: list[dict[str, Value]], by: str | None = None) -> float:
    """The largest value, or with `by` the largest sum of values per `by`."""
    if by is None:
        return max((row["value"] for row in data), default=0)
    sums: dict[Value, float] = {}
    for row in data:
        sums[row[by]] = sums.get(row[by], 0) + row["value"]
    return max(sums.values(), default=0)


def _bars(data: list[dict[str, Value]], title: str) -> dict[str, Any]:
    return {
        "data": {"values": data},
        "mark": {"type": "bar", "color": "#4c78a8"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 260}},
            "x": {"field": "value", "type": "quantitative", "title": title, "axis": _count_axis(_top(data))},
        },
        "width": WIDTH - 260,
        "height": {"step": 18},
    }


def _source_bars(data: list[dict[str, Value]]) -> dict[str, Any]:
    domain = ["fetched", "not modified", "failed"]
    return {
        "data": {"values": data},
        "mark": "bar",
        "transform": [{"calculate": f"indexof({json.dumps(domain)}, datum.kind)", "as": "_order"}],
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 300}},
            "x": {"field": "value", "type": "quantitative", "title": "runs", "axis": _count_axis(_top(data, "label"))},
            "color": {
                "field": "kind",
                "type": "nominal",
                "title": None,
                "scale": {"domain": domain, "range": ["#4c78a8", "#9ecae9", "#e45756"]},
            },
            "order": {"field": "_order", "type": "quantitative"},
        },
        "width": WIDTH - 300,
        "height": {"step": 18},
    }


def render_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec → SVG markup (vl-convert renders it in-process, offline)."""
    import vl_convert

    full = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": CONFIG, **spec}
    svg: str = vl_convert.vegalite_to_svg(full)
    return svg


# --- page -----------------------------------------------------------------------------------------------------


def _e(value: Value) -> str:
    return html.escape("" if value is None else str(value))


def _cell(value: Value) -> str:
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'NO'}</td>"
    if isinstance(value, int | float):
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
        return f'<td class="num" data-value="{value}">{text}</td>'
    if value is None:
        return '<td class="none">–</td>'
    return f"<td>{_e(value)}</td>"


def table_html(figure: Figure) -> str:
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in figure.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in figure.rows)
    return (
        f'<div class="table-wrap"><table data-figure="{figure.id}"><caption>{_e(figure.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def render_charts(figures: Sequence[Figure]) -> dict[str, str]:
    """Figure id → SVG. vl-convert renders on several threads at once (measured 1.6x faster than one by one)."""
    from concurrent.futures import ThreadPoolExecutor

    todo = [f for f in figures if f.chart is not None and f.data and f.rows]
    with ThreadPoolExecutor(max_workers=4) as pool:
        svgs = pool.map(_figure_svg, todo)
        return {f.id: svg for f, svg in zip(todo, svgs, strict=True)}


def _figure_svg(figure: Figure) -> str:
    assert figure.chart is not None
    spec = figure.chart(figure.data)
    if figure.days:
        spec["encoding"]["x"]["scale"] = {"domain": figure.days}
    return render_svg(spec)


def figure_html(figure: Figure, svg: str | None) -> str:
    header = f'<h3>{_e(figure.title)}</h3><p class="note">{_code(figure.note)}</p>'
    if not figure.rows:
        return (
            f'<div class="card figure" id="fig-{figure.id}" data-rows="0">{header}'
            f'<p class="empty">{_e(figure.empty)}</p></div>'
        )
    chart = f'<div class="chart" role="img" aria-label="{_e(figure.title)}">{svg}</div>' if svg else ""
    layout = "table-only" if not chart else "stacked" if _table_width(figure) > 540 else "with-chart"
    return (
        f'<div class="card figure {layout}" id="fig-{figure.id}" data-rows="{len(figure.rows)}">{header}'
        f'<div class="body">{chart}{table_html(figure)}</div></div>'
    )


def _table_width(figure: Figure) -> int:
    """Rough pixel width of a figure's table: a wide one goes under its chart rather than beside it."""
    widths = [len(c) for c in figure.columns]
    for row in figure.rows[:50]:
        widths = [max(w, len(str(v))) for w, v in zip(widths, row, strict=False)]
    return sum(7 * w + 16 for w in widths)


def _code(text: str) -> str:
    """Inline `code` spans of a note, escaped."""
    parts = _e(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d8dee4; --bg:#f6f8fa; --accent:#4c78a8; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg);
       background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--line); padding:18px 28px 12px; }
header h1 { margin:0 0 2px; font-size:22px; }
header p { margin:0; color:var(--muted); }
nav { margin-top:10px; display:flex; gap:16px; flex-wrap:wrap; }
nav a { color:var(--accent); text-decoration:none; font-weight:600; }
main { padding:16px 28px 40px; max-width:1500px; }
section { margin-top:22px; }
section > h2 { font-size:18px; margin:0 0 10px; padding-bottom:4px; border-bottom:2px solid var(--accent);
               display:inline-block; }
.kpis { display:flex; gap:12px; flex-wrap:wrap; margin-top:14px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:140px; }
.kpi b { display:block; font-size:22px; }
.kpi span { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin:0 0 14px; }
.card h3 { margin:0 0 2px; font-size:15px; }
.note { margin:0 0 10px; color:var(--muted); font-size:13px; }
.body { display:flex; gap:20px; align-items:flex-start; flex-wrap:wrap; }
.stacked .body { flex-direction:column; }
.stacked .table-wrap { width:100%; flex:none; }
.chart { flex:0 0 auto; }
.chart svg { max-width:100%; height:auto; }
.table-wrap { flex:1 1 380px; max-height:340px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
table { border-collapse:collapse; width:100%; font-size:12.5px; font-variant-numeric: tabular-nums; }
caption { position:absolute; left:-9999px; }
th, td { padding:4px 8px; border-bottom:1px solid #eef1f4; text-align:left; white-space:nowrap; }
td:nth-child(2) { white-space:normal; min-width:160px; }
th { position:sticky; top:0; background:#f0f3f6; font-weight:600; }
td.num { text-align:right; }
td.none { color:#aaa; text-align:center; }
tbody tr:hover { background:#f6f9fc; }
.empty { color:var(--muted); font-style:italic; margin:6px 0 2px; }
.banner { background:#fff8c5; border:1px solid #d4a72c; border-radius:8px; padding:14px 18px; margin-top:16px; }
dl.summary { display:grid; grid-template-columns:max-content 1fr; gap:2px 16px; margin:6px 0 0; }
dl.summary dt { color:var(--muted); }
dl.summary dd { margin:0; font-variant-numeric: tabular-nums; }
footer { color:var(--muted); font-size:12px; padding:0 28px 24px; }
code { background:#eff1f3; border-radius:4px; padding:0 4px; font-size:12px; }
"""


def _kpis(con: duckdb.DuckDBPyConnection, period: Period) -> list[tuple[str, Value]]:
    (articles, outlets, stories, near) = con.execute(
        "SELECT count(*), count(DISTINCT outlet) FILTER (WHERE outlet <> '(unknown)'), count(DISTINCT story_id), "
        "count(duplicate_of) FROM intake"
    ).fetchone() or (0, 0, 0, 0)
    (runs,) = con.execute(
        "SELECT count(*) FROM runs WHERE started::DATE BETWEEN ? AND ?", [period.start, period.end]
    ).fetchone() or (0,)
    (rejected,) = con.execute(
        "SELECT count(*) FROM rejected WHERE rejected_at::DATE BETWEEN ? AND ?", [period.start, period.end]
    ).fetchone() or (0,)
    return [
        ("runs", runs),
        ("articles", articles),
        ("publishers", outlets),
        ("stories", stories),
        ("near-duplicates", near),
        ("rejected", rejected),
    ]


def build_sections(con: duckdb.DuckDBPyConnection, period: Period, runs: Sequence[Run]) -> list[Section]:
    con.execute(INTAKE.format(start=period.start, end=period.end))
    sections = [
        _runs_section(con, period, runs),
        _articles_section(con, period),
        _quality_section(con, period),
        _sources_section(con, period),
        _stories_section(con, period),
    ]
    for figure in (f for section in sections for f in section.figures):
        if figure.data and "day" in figure.data[0]:
            figure.days = period.day_list()
    return sections


SECTION_TITLES = {
    "runs": "Runs",
    "articles": "Articles",
    "quality": "Data quality",
    "sources": "Web sources",
    "stories": "Stories",
}


def render_page(
    output: str,
    period: Period | None,
    sections: Sequence[Section],
    kpis: Sequence[tuple[str, Value]],
    generated: dt.datetime,
) -> str:
    nav = "".join(f'<a href="#{k}">{_e(v)}</a>' for k, v in SECTION_TITLES.items())
    if period is None:
        sub = "This dataset is empty: no run, article or rejected input yet."
        body = (
            '<div class="banner" id="empty-dataset"><b>Nothing to report yet.</b> '
            f"No run has written to <code>{_e(output)}</code>. Run "
            f"<code>newsbeam run --output {_e(output)}</code>, then <code>newsbeam report</code> again.</div>"
        )
        body += "".join(
            f'<section id="{k}"><h2>{_e(v)}</h2><p class="empty">No data yet.</p></section>'
            for k, v in SECTION_TITLES.items()
        )
    else:
        sub = f"{period.start} to {period.end} ({period.days} days, UTC)"
        cards = "".join(f'<div class="kpi"><b>{v:,}</b><span>{_e(k)}</span></div>' for k, v in kpis)
        body = f'<div class="kpis" id="kpis">{cards}</div>'
        svgs = render_charts([f for section in sections for f in section.figures])
        for section in sections:
            inner = section.extra_html + "".join(figure_html(f, svgs.get(f.id)) for f in section.figures)
            body += f'<section id="{section.id}"><h2>{_e(section.title)}</h2>{inner}</section>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Nothing may be fetched: no scripts, styles, fonts or images from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>newsbeam report: {_e(output)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>newsbeam report</h1><p><code>{_e(output)}</code> · {_e(sub)}</p><nav>{nav}</nav></header>"
        f"<main>{body}</main>"
        f"<footer>Generated {generated:%Y-%m-%d %H:%M} UTC by <code>newsbeam report</code>. Every chart is drawn "
        "from the table beside it; the numbers come from DuckDB over the dataset and the run manifests.</footer>"
        "</body></html>"
    )


def build_report(output: str, days: int = 30, now: dt.datetime | None = None) -> str:
    """The page for the dataset at `output`, as HTML text."""
    output = output.rstrip("/") or "/"
    # Starting the renderer (~0.4 s of CPU) overlaps with the queries, which DuckDB runs outside the GIL.
    warm = threading.Thread(target=render_svg, args=({"mark": "point"},), daemon=True)
    warm.start()
    runs = load_runs(output)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # days are UTC days, wherever the report is made
    if "://" in output:
        # gs://, s3://: DuckDB reads through the fsspec file system (gcsfs, s3fs), with its usual credentials.
        con.register_filesystem(remote_filesystem(output)[0])
    connect(output, con)
    register(con, output, runs)
    period = find_period(con, days)
    sections: list[Section] = []
    kpis: list[tuple[str, Value]] = []
    if period is not None:
        sections = build_sections(con, period, runs)
        kpis = _kpis(con, period)
    warm.join()
    return render_page(output, period, sections, kpis, now or dt.datetime.now(dt.timezone.utc))


def write_report(output: str, out: str, days: int = 30) -> str:
    """Write the page whole: locally through a temporary name (a reader never sees half of it), to
    `gs://…`/`s3://…` as one object (which appears only once complete). Returns where."""
    page = build_report(output, days)
    if "://" in out:
        fs, path = remote_filesystem(out)
        fs.pipe_file(path, page.encode("utf-8"))
        return out
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, f".{os.path.basename(out)}.inprogress")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(page)
    os.replace(temp, out)
    return out


def report_parser() -> argparse.ArgumentParser:
    parser = dataset_parser(
        "newsbeam report",
        "Write one self-contained HTML page (no network needed to open it) of what the dataset "
        "holds and how well it was ingested: runs, articles, data quality, web sources, stories.",
    )
    parser.add_argument("--out", default="report.html", help="The HTML file to write. Default: report.html")
    parser.add_argument("--days", type=int, default=30, help="Days covered, up to the latest. Default: 30")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = report_parser()
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    if "://" not in args.output and not os.path.exists(args.output):
        print(f"newsbeam report: no dataset at {args.output} yet; the page says so.")
    started = time.monotonic()
    path = write_report(args.output, args.out, args.days)
    print(f"newsbeam report: wrote {path} in {time.monotonic() - started:.1f} s")
    return 0


__all__ = [
    "Figure",
    "Period",
    "Section",
    "build_report",
    "build_sections",
    "find_period",
    "main",
    "register",
    "report_parser",
    "write_report",
]
