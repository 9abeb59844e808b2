"""DuckDB over a newsbeam dataset: the views every query (and every user notebook) starts from."""

from __future__ import annotations

import duckdb

from schemas.article import ARTICLE_SCHEMA, ARTICLES_GLOB
from schemas.rejected import REJECTED_DIR, REJECTED_SCHEMA


def articles_glob(output: str) -> str:
    return f"{output.rstrip('/')}/{ARTICLES_GLOB}"


def rejected_glob(output: str) -> str:
    return f"{output.rstrip('/')}/{REJECTED_DIR}/*.parquet"


def _has_files(con: duckdb.DuckDBPyConnection, pattern: str) -> bool:
    return con.execute("SELECT count(*) FROM glob(?)", [pattern]).fetchall()[0][0] > 0


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def vanished_file(exc: BaseException) -> bool:
    """Whether a read failed because a file it had listed was gone when opened: what a reader sees when
    `newsbeam compact` swaps a partition between its listing and its reading (running it again works)."""
    text = str(exc).lower()
    return isinstance(exc, FileNotFoundError) or "no such file" in text or "no files found" in text


def connect(output: str, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A connection with views `articles` (columns in schema order, `date` and `topic` from the
    partition folders), `articles_latest` (one row per `article_id`: its highest revision) and `rejected`.
    An empty dataset gives empty views of the right types."""
    con = con or duckdb.connect()
    con.register("_empty_articles", ARTICLE_SCHEMA.empty_table())
    if _has_files(con, articles_glob(output)):
        files = (
            f"read_parquet({_quote(articles_glob(output))}, hive_partitioning = true, union_by_name = true, "
            "hive_types = {'date': DATE, 'topic': VARCHAR})"
        )
        # A column no file has yet (every file written before it existed) reads as NULL of its type.
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {files}").fetchall()}
        types = {row[0]: row[1] for row in con.execute("DESCRIBE SELECT * FROM _empty_articles").fetchall()}
        columns = ", ".join(
            f'"{name}"' if name in present else f'CAST(NULL AS {types[name]}) AS "{name}"'
            for name in ARTICLE_SCHEMA.names
        )
        con.execute(f"CREATE OR REPLACE VIEW articles AS SELECT {columns} FROM {files}")
    else:
        con.execute("CREATE OR REPLACE VIEW articles AS SELECT * FROM _empty_articles")
    if _has_files(con, rejected_glob(output)):
        con.execute(
            f"CREATE OR REPLACE VIEW rejected AS SELECT * FROM read_parquet("
            f"{_quote(rejected_glob(output))}, union_by_name = true)"
        )
    else:
        con.register("_empty_rejected", REJECTED_SCHEMA.empty_table())
        con.execute("CREATE OR REPLACE VIEW rejected AS SELECT * FROM _empty_rejected")
    con.execute(ARTICLES_LATEST_VIEW)
    return con


# One row per article: its highest revision (a changed text at the same URL is a new revision, and so is the
# same input processed again under other settings or with `--reprocess`: `transforms.text.duplicates.pick`).
ARTICLES_LATEST_VIEW = (
    "CREATE OR REPLACE VIEW articles_latest AS SELECT * FROM articles "
    "QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY revision DESC, ingested_at DESC) = 1"
)


__all__ = ["articles_glob", "connect", "rejected_glob", "vanished_file"]
