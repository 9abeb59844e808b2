"""Dedupe: exact copies are kept once, within a run and against what earlier runs wrote."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline

from tests.beam_util import check
from tests.factories import make_article
from transforms import identity
from transforms.dedupe import Dedupe
from transforms.sink import WritePartitions


def test_exact_copies_within_a_run_keep_the_earliest(tmp_path: Path) -> None:
    a_late = make_article("Same  story TEXT.", source="late.txt", day=dt.date(2025, 12, 21))
    a_early = make_article("same story text.", source="early.txt", day=dt.date(2025, 12, 20))
    other = make_article("A different story.", source="other.txt")

    def check_unique(articles: list) -> None:
        assert sorted(a.source for a in articles) == ["early.txt", "other.txt"]

    def check_dups(dups: list) -> None:
        assert [(d.source, d.reason) for d in dups] == [("late.txt", "duplicate-in-run")]
        assert dups[0].duplicate_of == a_early.article_id

    with TestPipeline() as p:
        unique, dups = p | beam.Create([a_late, other, a_early]) | Dedupe(str(tmp_path / "out"))
        check(unique, check_unique, "Unique")
        check(dups, check_dups, "Dups")


def test_content_written_by_an_earlier_run_is_not_written_again(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    first = make_article("Story one.", source="one.txt")
    with TestPipeline() as p:
        _ = p | beam.Create([first]) | WritePartitions(out, run_id="run1")

    again = make_article("Story  one.", source="copy.txt", run_id="run2")
    fresh = make_article("Story two.", source="two.txt", run_id="run2")
    with TestPipeline() as p:
        unique, dups = p | beam.Create([again, fresh]) | Dedupe(out)
        check(unique, lambda xs: _eq([a.source for a in xs], ["two.txt"]), "Unique")
        check(
            dups,
            lambda xs: _eq(
                [(d.source, d.reason, d.duplicate_of) for d in xs],
                [("copy.txt", "seen-in-earlier-run", None)],
            ),
            "Dups",
        )


def _eq(a: object, b: object) -> None:
    assert a == b


def test_identity() -> None:
    assert identity.canonical_url("https://Example.com/a?utm_source=x&b=1#top") == "https://example.com/a?b=1"
    assert identity.canonical_url("ftp://example.com/a") is None
    assert identity.canonical_url(None) is None
    assert identity.content_hash("A  b\nC") == identity.content_hash("a b c")
    url_id = identity.article_id("https://example.com/a", identity.content_hash("x"))
    assert url_id == identity.article_id("https://example.com/a", identity.content_hash("changed text"))
    assert identity.article_id(None, identity.content_hash("x")) != identity.article_id(
        None, identity.content_hash("y")
    )
