"""Reprocessing is explicit: records of what was done carry the settings they were made under; a run with other
settings (here: another taxonomy) processes those inputs again and writes new revisions, a run with the same
settings reads nothing, and `--reprocess` forces it. Through the CLI and DuckDB, as a user sees it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.query import connect
from tests.support import REFERENCE, SEEDS, UKRAINE_TAXONOMY, newsbeam, summary_counts

pytestmark = pytest.mark.e2e

LATEST = r"SELECT regexp_extract(source, '(\d{3})_\w+\.txt$', 1) AS seed, revision, topics FROM articles_latest"
TOPIC = "ukraine-peace-talks"
CARRIED = 0.5  # a topic an article is about, as tests/test_tag.py reads it


def _run(out: Path, *extra: str) -> dict[str, int]:
    result = newsbeam("run", "--input", str(SEEDS), "--output", str(out), "--reference-date", REFERENCE, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return summary_counts(result.stdout, verified=True)


def _latest(out: Path) -> dict[str, tuple[int, bool]]:
    """Seed number → (revision, whether it carries the topic) of each row of `articles_latest`."""
    rows = connect(str(out)).sql(f"{LATEST} ORDER BY seed").fetchall()
    return {
        seed: (rev, any(t["label"] == TOPIC and t["score"] >= CARRIED for t in topics)) for seed, rev, topics in rows
    }


def test_other_settings_write_new_revisions_and_the_same_settings_read_nothing(tmp_path: Path) -> None:
    out, taxonomy = tmp_path / "out", tmp_path / "topics.yaml"
    taxonomy.write_text(UKRAINE_TAXONOMY, encoding="utf-8")

    first = _run(out)
    assert first["written"] == 5
    assert _latest(out) == {f"00{i}": (1, False) for i in range(5)}

    retagged = _run(out, "--taxonomy", str(taxonomy))  # another taxonomy: every seed is processed again
    assert retagged == {"read": 5, "written": 5, "duplicates": 0, "rejected": 0}
    latest = _latest(out)
    assert sorted(latest) == [f"00{i}" for i in range(5)]  # 5 articles, each at its next revision
    assert {seed: revision for seed, (revision, _) in latest.items()} == {f"00{i}": 2 for i in range(5)}
    assert [seed for seed, (_, tagged) in latest.items() if tagged] == ["000", "001"]
    con = connect(str(out))
    assert con.sql("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchall() == [(10, 5)]
    # a new revision keeps its article's story, and is no near-duplicate of its own earlier revision
    changed = con.sql(
        "SELECT article_id FROM articles GROUP BY article_id "
        "HAVING count(DISTINCT story_id) > 1 OR count(DISTINCT coalesce(duplicate_of, '')) > 1"
    ).fetchall()
    assert changed == []

    same = _run(out, "--taxonomy", str(taxonomy))  # the same settings: nothing new is read
    assert same == {"read": 5, "written": 0, "duplicates": 5, "rejected": 0}
    assert _latest(out) == latest

    forced = _run(out, "--taxonomy", str(taxonomy), "--reprocess")
    assert forced["written"] == 5
    assert {seed: revision for seed, (revision, _) in _latest(out).items()} == {f"00{i}": 3 for i in range(5)}
    after = _run(out, "--taxonomy", str(taxonomy))  # what --reprocess recorded holds for the same settings
    assert after["written"] == 0 and after["duplicates"] == 5
    # Each run's manifest says what it was made under: the taxonomy changed the key, the same one kept it.
    manifests = sorted((out / "_runs").glob("*.json"), key=lambda p: json.loads(p.read_text())["params"]["ingested_at"])
    made = [json.loads(p.read_text())["params"] for p in manifests]
    keys = [m["settings_key"] for m in made]
    assert len(made) == 5 and keys[0] != keys[1] and keys[1] == keys[2] == keys[3] == keys[4]
    assert [m["reprocess"] for m in made] == [False, False, False, True, False]
    assert all(m["version"] for m in made)
