"""Values that cross a shuffle as pickled bytes.

A portable runner decodes every value it groups, and the DirectRunner keeps a whole shuffled PCollection,
decoded, in its own process until the next stage has run. An article decoded is ~13 KB of Python objects
against ~5 KB pickled; Dedupe's compact record ~7.5 KB against ~1.9 KB (its 30 salient terms are 60 small
objects). So what waits in a shuffle waits packed: the rows of in-memory articles (a stream window's) at
the writer, Dedupe's compact records and entries at each of its joins, index rows before `WriteIndex`; and
the staged articles of a batch run are stored packed (`transforms.storage.staging`). The runner holds bytes, the
coder has nothing to do, and only the step that uses a value unpickles it. The bytes are made and read by
newsbeam's own steps within one run.
"""

from __future__ import annotations

import pickle
from typing import Any


def pack(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes) -> Any:
    return pickle.loads(data)
