"""Values that cross a shuffle as pickled bytes.

A portable runner decodes every value it groups, and the DirectRunner keeps a whole shuffled PCollection,
decoded, in its own process until the next stage has run. An article decoded is ~13 KB of Python objects
against ~5 KB pickled, so full articles cross their shuffles packed: the runner then holds bytes, the
coder has nothing to do, and the receiving step unpickles only what it uses (the kept copy, the rows of one
partition). The bytes are made and read by newsbeam's own steps within one run.
"""

from __future__ import annotations

import pickle
from typing import Any


def pack(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(data: bytes) -> Any:
    return pickle.loads(data)
