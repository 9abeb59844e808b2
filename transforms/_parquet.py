"""How newsbeam writes Parquet, in one place for the sink, the state tables and `newsbeam compact`.

Every query reads the footer of every file it opens, and a partition of a few dozen articles is a small
file, so what the footer holds is paid file by file. Min/max statistics of article text (two truncated
texts, up to 4 KB each) were half of such a footer, and no filter can use them; MinHash signatures are the
same kind of column. Those columns are written without statistics; every other leaf column keeps them, so
filters on ids, dates, scores and the rest still skip row groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

COMPRESSION = "zstd"
NO_STATISTICS = frozenset({"text", "minhash"})


def _leaf_paths(path: str, type_: pa.DataType) -> Iterator[str]:
    """Parquet's names of the leaf columns under `path` (`topics.list.element.label`)."""
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        yield from _leaf_paths(f"{path}.list.element", type_.value_type)
    elif pa.types.is_struct(type_):
        for field in type_:
            yield from _leaf_paths(f"{path}.{field.name}", field.type)
    else:
        yield path


def writer_options(schema: pa.Schema) -> dict[str, Any]:
    """Keyword arguments of `pyarrow.parquet.ParquetWriter` for files of `schema`."""
    return {
        "compression": COMPRESSION,
        "write_statistics": [
            leaf for field in schema if field.name not in NO_STATISTICS for leaf in _leaf_paths(field.name, field.type)
        ],
    }
