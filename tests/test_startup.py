"""What a run pays before its first article: what is loaded lazily, cached, or asked of Beam once must give
the same answers as the slow way."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.coders import VarIntCoder
from apache_beam.transforms import userstate

from pipeline import runners
from transforms.text import language, minhash

ROOT = Path(__file__).resolve().parents[1]


def test_building_a_run_does_not_import_datasketch_or_scipy() -> None:
    """The options, the graph and the signing need neither (scipy alone cost 1.5 s of a loaded start)."""
    code = (
        "import sys, pipeline.options, pipeline.build, pipeline.job\n"
        "from transforms.text import minhash\n"
        "minhash.signature('one two three four five')\n"
        "index = minhash.NearDuplicateIndex()\n"
        "index.add(1, minhash.signature('one two three four five'))\n"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_default_bands_are_datasketchs_choice() -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD, num_perm=minhash.NUM_PERM)
    assert (lsh.b, lsh.r) == minhash.DEFAULT_BANDS


def test_banding_finds_datasketchs_candidates() -> None:
    """Same signatures in, same candidate keys out as datasketch's MinHashLSH at the default threshold."""
    from datasketch import MinHashLSH

    draw = np.random.default_rng(7)
    base = draw.integers(0, 1 << 32, size=(40, minhash.NUM_PERM), dtype=np.uint32)
    signatures = []
    for i, row in enumerate(base):
        copy = base[i // 4].copy()  # groups of four: near copies that share some bands, not all
        changed = draw.random(minhash.NUM_PERM) < (i % 4) * 0.25
        copy[changed] = row[changed]
        signatures.append(copy.astype("<u4").tobytes())
    ours = minhash.NearDuplicateIndex()
    theirs = MinHashLSH(threshold=minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD, num_perm=minhash.NUM_PERM)
    for key, stored in enumerate(signatures):
        ours.add(key, stored)
        theirs.insert(key, minhash.lean(stored), check_duplication=False)
    shared = 0
    for stored in signatures:
        expected = sorted(
            k for k in theirs.query(minhash.lean(stored)) if minhash.jaccard(signatures[k], stored) >= 0.5
        )
        assert ours.candidates(stored) == expected
        shared += len(expected) > 1
    assert shared > 0  # the test met near-duplicates, not only singletons


class _Counting(beam.DoFn):
    COUNT = userstate.ReadModifyWriteStateSpec("count", VarIntCoder())
    STATE = beam.DoFn.StateParam(COUNT)

    def process(self, element: tuple[str, int], count: object = STATE) -> Iterator[tuple[str, int]]:
        yield element


class _Plain(beam.DoFn):
    def process(self, element: int) -> Iterator[int]:
        yield element


@pytest.mark.parametrize("dofn", [_Counting(), _Plain(), beam.Map(len).fn])
def test_remembered_dofn_specs_are_beams(dofn: beam.DoFn, monkeypatch: pytest.MonkeyPatch) -> None:
    beams = getattr(userstate.get_dofn_specs, "__wrapped__", userstate.get_dofn_specs)
    monkeypatch.setattr(userstate, "get_dofn_specs", beams)  # Beam's own again after the test
    assert runners.remember_dofn_specs() is True
    assert runners.remember_dofn_specs() is False  # installed once
    first = userstate.get_dofn_specs(dofn)
    assert first == beams(dofn) == userstate.get_dofn_specs(dofn)
    first[0].add(_Counting.COUNT)  # a caller changing its sets
    assert userstate.get_dofn_specs(dofn) == beams(dofn)  # every caller gets its own sets
    assert userstate.is_stateful_dofn(dofn) == isinstance(dofn, _Counting)


def test_remembered_option_views_are_beams(monkeypatch: pytest.MonkeyPatch) -> None:
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions, TypeOptions

    beams = getattr(PipelineOptions.view_as, "__wrapped__", PipelineOptions.view_as)
    monkeypatch.setattr(PipelineOptions, "view_as", beams)  # Beam's own again after the test
    assert runners.remember_option_views() is True
    assert runners.remember_option_views() is False  # installed once
    options = PipelineOptions(["--direct_num_workers", "3", "--runner", "DirectRunner"])
    other = PipelineOptions(["--direct_num_workers", "5"])
    assert options.view_as(DirectOptions) is options.view_as(DirectOptions)  # built once
    assert options.view_as(DirectOptions).direct_num_workers == 3
    assert other.view_as(DirectOptions).direct_num_workers == 5  # per options object
    assert options.view_as(StandardOptions).runner == beams(options, StandardOptions).runner == "DirectRunner"
    # A value set through one view is seen through every view, remembered or new, as with Beam's own.
    options.view_as(TypeOptions).pipeline_type_check = False
    assert options.view_as(TypeOptions).pipeline_type_check is False
    assert beams(options, TypeOptions).pipeline_type_check is False
    beams(options, DirectOptions).direct_num_workers = 7
    assert options.view_as(DirectOptions).direct_num_workers == 7
    assert options.get_all_options()["direct_num_workers"] == 7
    assert other.view_as(DirectOptions).direct_num_workers == 5


TEXTS = [
    "Russia plans to push for revisions to the latest peace plan aimed at ending the war.",
    "Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen.",
    "Президент України заявив, що мирний план має враховувати інтереси українського народу.",
]


def _fresh_identifier(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(language, "_identifier", None)
    return language._get_identifier()


def test_language_model_is_cached_decompressed_and_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import py3langid

    module = py3langid.langid
    shipped = module.LanguageIdentifier.from_model_file(module.MODEL_FILE, norm_probs=True)
    monkeypatch.setenv("NEWSBEAM_CACHE_DIR", str(tmp_path))
    (tmp_path / "py3langid-0.1-1-1.npz").write_bytes(b"a copy of an older model")
    made = _fresh_identifier(monkeypatch)  # decompresses, writes the copy, removes the older one
    copies = list(tmp_path.glob("py3langid-*.npz"))
    assert len(copies) == 1
    read = _fresh_identifier(monkeypatch)  # from the copy
    for text in TEXTS:
        assert made.classify(text) == read.classify(text) == shipped.classify(text)  # type: ignore[attr-defined]
        assert read.rank(text) == shipped.rank(text)  # type: ignore[attr-defined]
    whole = copies[0].read_bytes()
    copies[0].write_bytes(whole[: len(whole) // 2])  # a damaged copy is ignored and replaced
    again = _fresh_identifier(monkeypatch)
    assert again.classify(TEXTS[1]) == shipped.classify(TEXTS[1])  # type: ignore[attr-defined]
    assert copies[0].stat().st_size == len(whole)  # whole again


def test_language_model_loads_without_a_writable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("NEWSBEAM_CACHE_DIR", str(blocked / "cache"))
    identifier = _fresh_identifier(monkeypatch)
    assert identifier.classify(TEXTS[0])[0] == "en"  # type: ignore[attr-defined]
