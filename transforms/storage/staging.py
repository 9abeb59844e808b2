"""Tagged articles staged in files between tagging and writing, so that no shuffle carries them.

Dedupe decides on compact records (ids, hashes, signatures); the articles themselves are needed again only
by the step that writes their partition. A runner holds what it shuffles: Beam's DirectRunner keeps every
shuffled PCollection in its own process until the next stage has run, which for full articles is the whole
corpus in memory, twice (the join with Dedupe's decisions, then the grouping by partition). So the step
that signs an article also appends it, pickled, to its bundle's staging file under
`<output>/_state/staging/<run_id>/` and passes on only a `Ref` (file, offset, length). The partition writer
reads the articles back by their refs, a file at a time in offset order. The files are the run's own
scratch space: written and read within one run through Beam's `FileSystems` (so any filesystem the output
is on), and deleted when the run ends (`remove_staging`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from schemas.article import Article
from transforms.storage.packed import pack, unpack
from transforms.text.duplicates import Decision  # what Dedupe decided: applied as an article is read back

STAGING_DIR = ("_state", "staging")
_RAW = CompressionTypes.UNCOMPRESSED


def staging_dir(output: str, run_id: str) -> str:
    return FileSystems.join(output, *STAGING_DIR, run_id)


@dataclass(frozen=True)
class Ref:
    """Where one staged value is: `length` bytes at `offset` of `path`."""

    path: str
    offset: int
    length: int


class StagingWriter:
    """Appends pickled values to one new file in `directory` (created on the first value, named at random,
    so a retried bundle never writes into the file of an earlier attempt)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._handle: IO[bytes] | None = None
        self._path = ""
        self._offset = 0

    def append(self, value: Any) -> Ref:
        if self._handle is None:
            self._path = FileSystems.join(self.directory, f"{uuid.uuid4().hex}.pickles")
            self._handle = FileSystems.create(self._path, compression_type=_RAW)
            self._offset = 0
        data = pack(value)
        try:
            self._handle.write(data)
        except BaseException:
            # Part of `data` may be in the file: later offsets would be off, so the next value starts a file.
            self.close()
            raise
        ref = Ref(self._path, self._offset, len(data))
        self._offset += len(data)
        return ref

    def close(self) -> None:
        """Closes the file; the refs handed out are readable from then on."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_staged(refs: Sequence[Ref]) -> list[Any]:
    """The values at `refs`, in the order given; each file is opened once and read in offset order."""
    out: list[Any] = [None] * len(refs)
    by_path: dict[str, list[int]] = defaultdict(list)
    for i, ref in enumerate(refs):
        by_path[ref.path].append(i)
    for path, indexes in by_path.items():
        with FileSystems.open(path, compression_type=_RAW) as handle:
            for i in sorted(indexes, key=lambda k: refs[k].offset):
                handle.seek(refs[i].offset)
                data = handle.read(refs[i].length)
                if len(data) != refs[i].length:
                    raise OSError(f"staging file {path} ends before {refs[i].offset + refs[i].length}")
                out[i] = unpack(data)
    return out


def remove_staging(output: str, run_id: str) -> None:
    """Deletes the run's staging files (nothing if it staged none)."""
    directory = staging_dir(output, run_id)
    if FileSystems.exists(directory):
        FileSystems.delete([directory])


@dataclass(frozen=True)
class StagedArticle:
    """A kept article as Dedupe hands it to the sink: where it is staged, its partition, its source (for
    the run's accounting) and the decision to apply when it is read back."""

    ref: Ref
    date: dt.date
    topic: str
    source: str
    decision: Decision

    def partition(self) -> tuple[str, str]:
        return self.date.isoformat(), self.topic


def load_staged(staged: Sequence[StagedArticle]) -> list[Article]:
    """The articles as they are written: read back, each with its decision applied."""
    articles = read_staged([item.ref for item in staged])
    return [item.decision.apply(article) for item, article in zip(staged, articles, strict=True)]
