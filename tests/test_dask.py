"""The unchanged pipeline on Beam's Dask runner: same output as the DirectRunner, verified rows.

Beam's Dask runner (2.77) computes only the ancestors of the last step, evaluates side inputs as
separate computations and hands every output of a multi-output ParDo to every consumer. The batch graph
therefore has one sink that everything leads to by main inputs, no side inputs and no multi-output
ParDo; `test_batch_graph_is_runner_neutral` keeps it that way on any runner. The runs below use
newsbeam's DaskRunner (Beam's, with the partitions of each step capped, which changes no element;
`test_dask_partitions_stay_bounded`), which every Dask runner name resolves to.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
import duckdb
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pipeline import AppliedPTransform, PipelineVisitor

from pipeline import manifest
from pipeline.build import build_batch
from pipeline.runners import BEAM_DASK_RUNNER, DASK_RUNNER, matched_files, resolve_runner
from schemas.article import FILE_SCHEMA
from schemas.document import RunContext
from tests.conftest import SEEDS
from tests.html_samples import news_page
from tests.support import newsbeam, summary_counts
from transforms.read import DEFAULT_MAX_BYTES

pytestmark = pytest.mark.e2e

REFERENCE = "2026-11-21"
VOLATILE = ("run_id", "ingested_at")  # differ between any two runs


def make_inputs(root: Path) -> Path:
    """Seeds, HTML pages, a JSONL batch with good and bad lines, a duplicate, an unreadable file, and a
    file name with glob characters in it."""
    src = root / "in"
    shutil.copytree(SEEDS, src / "seeds")
    topics = ["harbour budget", "rail strike talks", "hospital funding", "flood defences", "school reform"]
    for i, topic in enumerate(topics):
        day = f"2025-12-{10 + i:02d}"
        page = news_page(title=f"Council debates {topic}", date=day).replace("harbour budget", topic)
        (src / f"page{i}.html").write_text(page, encoding="utf-8")
    shutil.copy(src / "page0.html", src / "page0-copy.html")
    (src / "odd [draft] name?.html").write_text(news_page(title="Ferry timetable", date="2025-12-03"), "utf-8")
    lines = [
        json.dumps({"html": news_page(title="Port expansion", date="2025-12-01"), "url": "https://ex.example/port"}),
        json.dumps({"text": "Wire copy: the ministry said exports rose for a third month in a row in November."}),
        "{not json",
        json.dumps({"title": "no body"}),
    ]
    (src / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    return src


def articles(out: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"SELECT * EXCLUDE ({', '.join(VOLATILE)}) FROM read_parquet('{out}/date=*/topic=*/*.parquet', "
        "hive_partitioning = true) ORDER BY article_id"
    ).fetchall()


def columns(out: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{out}/date=*/topic=*/*.parquet', hive_partitioning = true)"
    ).fetchall()


def rejected(out: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"SELECT regexp_replace(source, '.*/', ''), stage, reason FROM read_parquet('{out}/_rejected/*.parquet') "
        "ORDER BY ALL"
    ).fetchall()


def run_manifest(out: Path) -> dict[str, object]:
    (path,) = (out / manifest.RUNS_DIR).glob("*.json")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("dask"))


@pytest.fixture(scope="module")
def direct(inputs: Path) -> tuple[Path, dict[str, int]]:
    out = inputs.parent / "direct"
    result = newsbeam("run", "--input", str(inputs), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    return out, summary_counts(result.stdout)


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[str]:
    """A 2-worker local cluster the test starts, which `--dask-address` joins."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def assert_same_output(dask_out: Path, direct_out: Path) -> None:
    assert columns(dask_out) == columns(direct_out)
    ours, theirs = articles(dask_out), articles(direct_out)
    assert len(ours) == len(theirs) >= 10
    assert [r[0] for r in ours] == [r[0] for r in theirs]  # the same article ids
    assert ours == theirs  # and every other column, value for value
    assert rejected(dask_out) == rejected(direct_out)
    assert run_manifest(dask_out)["counts"] == run_manifest(direct_out)["counts"]


def test_local_cluster_matches_the_direct_runner(inputs: Path, direct: tuple[Path, dict[str, int]]) -> None:
    direct_out, direct_counts = direct
    out = inputs.parent / "dask-local"
    result = newsbeam(
        "run", "--input", str(inputs), "--output", str(out), "--reference-date", REFERENCE,
        "--runner", "dask", "--dask-workers", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "verified against the files" in result.stdout
    assert summary_counts(result.stdout) == direct_counts
    assert direct_counts["duplicates"] == 1 and direct_counts["rejected"] == 3
    assert run_manifest(out)["params"]["runner"] == DASK_RUNNER  # type: ignore[index]
    assert_same_output(out, direct_out)


def test_joining_a_cluster_by_address_with_beams_runner_name(
    inputs: Path, direct: tuple[Path, dict[str, int]], dask_cluster: str
) -> None:
    direct_out, direct_counts = direct
    out = inputs.parent / "dask-joined"
    result = newsbeam(
        "run", "--input", str(inputs), "--output", str(out), "--reference-date", REFERENCE,
        "--runner", BEAM_DASK_RUNNER, "--dask-address", dask_cluster,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert summary_counts(result.stdout) == direct_counts
    assert_same_output(out, direct_out)

    # Run again on the same cluster: everything is a duplicate of the first run (dedupe read its files), the
    # inputs it rejected for good included (settled rejects: the same settings would reject them again).
    again = newsbeam(
        "run", "--input", str(inputs), "--output", str(out), "--reference-date", REFERENCE,
        "--runner", "DaskRunner", "--dask-address", dask_cluster,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    counts = summary_counts(again.stdout)
    assert (counts["written"], counts["rejected"], counts["duplicates"]) == (0, 0, direct_counts["read"])

    # The verification after every run catches a sink that reports rows it did not write (what
    # WriteToParquet did on Dask): a file emptied behind the manifest's back fails it.
    victim = next(out.glob("date=*/topic=*/*.parquet"))
    reported = pq.ParquetFile(victim).metadata.num_rows
    pq.write_table(FILE_SCHEMA.empty_table(), victim, compression="zstd")
    problems = manifest.verify(str(out), run_id_of(result.stdout)).problems
    assert f"{victim}: 0 rows on disk, {reported} reported" in problems
    assert any("article rows on disk, pipeline counted" in p for p in problems)


def run_id_of(stdout: str) -> str:
    return stdout.split()[2]  # "newsbeam run <run_id> finished in …"


def test_runner_names_and_literal_inputs(tmp_path: Path) -> None:
    for name in ("dask", "DaskRunner", "daskrunner", DASK_RUNNER):
        assert resolve_runner(PipelineOptions(["--runner", name])) == DASK_RUNNER
    assert resolve_runner(PipelineOptions(["--runner", BEAM_DASK_RUNNER])) == DASK_RUNNER  # partitions capped
    assert resolve_runner(PipelineOptions([])) == "DirectRunner"
    odd = tmp_path / "a [1] *?.txt"
    odd.write_text("x")
    (tmp_path / "a 1 xy.txt").write_text("y")  # what the unescaped name would match as a glob
    patterns = matched_files([str(odd), str(tmp_path)])  # named twice: once in the list
    matched = [[m.path for m in result.metadata_list] for result in FileSystems.match(patterns)]
    assert matched == [[str(tmp_path / "a 1 xy.txt")], [str(odd)]]


class _GraphShape(PipelineVisitor):
    def __init__(self) -> None:
        self.leaves: list[AppliedPTransform] = []

    def visit_transform(self, node: AppliedPTransform) -> None:
        self.leaves.append(node)


@pytest.mark.parametrize("web", [False, True], ids=["files", "files-and-web-sources"])
def test_batch_graph_is_runner_neutral(tmp_path: Path, web: bool) -> None:
    """No side inputs, no multi-output step, and every step's output is read by another except the
    manifest writer's: what Beam's Dask runner needs to run each stage exactly once."""
    from transforms.web.feeds import SourceRef, WebSources

    p = beam.Pipeline()
    ctx = RunContext(
        run_id="r", ingested_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc), reference_date=dt.date(2026, 11, 21)
    )
    sources = WebSources(sources=(SourceRef("https://news.example/feed.xml"),), url_lists=("urls.txt",))
    build_batch(
        p,
        inputs=[str(SEEDS)],
        output=str(tmp_path),
        ctx=ctx,
        max_bytes=DEFAULT_MAX_BYTES,
        web=sources if web else None,
    )
    shape = _GraphShape()
    p.visit(shape)
    consumed = {id(pc) for node in shape.leaves for pc in node.inputs}
    consumed |= {id(side.pvalue) for node in shape.leaves for side in node.side_inputs}
    dead_ends = [
        node for node in shape.leaves if node.outputs and not any(id(o) in consumed for o in node.outputs.values())
    ]
    # A step nobody reads is skipped on Dask; that is harmless only for steps without effects (a Flatten
    # of outputs that are never emitted, like round two of Discover's children).
    effectful = [n.full_label for n in dead_ends if not isinstance(n.transform, beam.Flatten)]
    assert effectful == ["WriteManifest/Write"]
    assert shape.leaves[-1].full_label == "WriteManifest/Write"  # the Dask runner computes the last step
    assert [n.full_label for n in shape.leaves if n.side_inputs] == []
    assert [n.full_label for n in shape.leaves if len(n.outputs) > 1] == []


def _bags(visitor_of: Any, tmp_path: Path) -> list[Any]:
    from apache_beam.runners.dask.overrides import dask_overrides

    p = beam.Pipeline()
    ctx = RunContext(
        run_id="r",
        ingested_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
        reference_date=dt.date(2026, 11, 21),
    )
    inputs = matched_files([str(SEEDS)])
    build_batch(p, inputs=inputs, output=str(tmp_path), ctx=ctx, max_bytes=DEFAULT_MAX_BYTES)
    p.replace_all(dask_overrides())
    visitor = visitor_of({"npartitions": 2})
    p.visit(visitor)
    return [b for b in visitor.bags.values() if hasattr(b, "npartitions")]


def test_dask_partitions_stay_bounded(tmp_path: Path) -> None:
    """Beam's translation lets partitions add up through every Flatten (hundreds by the manifest); newsbeam's
    DaskRunner keeps every step at --dask_npartitions. Only the graph is built here, nothing computed."""
    from apache_beam.runners.dask.dask_runner import DaskRunner as BeamDaskRunner

    from pipeline.runners import DaskRunner

    stock = _bags(BeamDaskRunner.to_dask_bag_visitor, tmp_path / "stock")
    ours = _bags(DaskRunner.to_dask_bag_visitor, tmp_path / "ours")
    assert len(ours) == len(stock)
    assert max(b.npartitions for b in stock) > 50
    assert max(b.npartitions for b in ours) == 2
