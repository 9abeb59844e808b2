"""The typed records and the pyarrow schemas are one contract: prove they agree field by field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing

import pyarrow as pa
import pytest

from schemas import article as article_mod
from schemas import rejected as rejected_mod
from schemas.article import (
    ARTICLE_SCHEMA,
    FILE_SCHEMA,
    PARTITION_COLUMNS,
    SCHEMA_VERSION,
    Article,
    Entity,
    TopicScore,
)
from schemas.rejected import REJECTED_SCHEMA, Rejected
from tests.factories import make_article

_SCALARS = {
    str: (pa.string(),),
    int: (pa.int32(), pa.int64()),
    float: (pa.float32(), pa.float64()),
    dt.date: (pa.date32(),),
    dt.datetime: (pa.timestamp("us", tz="UTC"),),
}


def _check(py_type: typing.Any, field: pa.Field, module: types.ModuleType) -> None:
    origin = typing.get_origin(py_type)
    args = typing.get_args(py_type)
    if origin in (typing.Union, types.UnionType):
        assert type(None) in args, f"{field.name}: union without None"
        assert field.nullable, f"{field.name} is Optional in the record but not nullable in the schema"
        (inner,) = [a for a in args if a is not type(None)]
        _check_non_null(inner, field.type, field.name)
        return
    assert not field.nullable, f"{field.name} is nullable in the schema but required in the record"
    _check_non_null(py_type, field.type, field.name)


def _check_non_null(py_type: typing.Any, arrow: pa.DataType, name: str) -> None:
    if typing.get_origin(py_type) is list:
        assert pa.types.is_list(arrow), f"{name}: list in record, {arrow} in schema"
        _check_non_null(typing.get_args(py_type)[0], arrow.value_type, name)
    elif dataclasses.is_dataclass(py_type):
        assert pa.types.is_struct(arrow), f"{name}: dataclass in record, {arrow} in schema"
        hints = typing.get_type_hints(py_type)
        assert [f.name for f in arrow] == list(hints), f"{name}: struct fields differ"
        for sub in arrow:
            _check_non_null(hints[sub.name], sub.type, f"{name}.{sub.name}")
    else:
        assert arrow in _SCALARS[py_type], f"{name}: {py_type} in record, {arrow} in schema"


@pytest.mark.parametrize(
    ("record", "schema", "module"),
    [(Article, ARTICLE_SCHEMA, article_mod), (Rejected, REJECTED_SCHEMA, rejected_mod)],
)
def test_record_matches_schema(record: type, schema: pa.Schema, module: types.ModuleType) -> None:
    hints = typing.get_type_hints(record)
    written = [f.name for f in dataclasses.fields(record) if f.name != "extra"]
    assert written == schema.names
    for field in schema:
        _check(hints[field.name], field, module)


def test_schema_version_is_in_metadata() -> None:
    for schema in (ARTICLE_SCHEMA, FILE_SCHEMA, REJECTED_SCHEMA):
        assert schema.metadata[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode()


def test_file_schema_leaves_partition_columns_to_the_folders() -> None:
    assert set(ARTICLE_SCHEMA.names) - set(FILE_SCHEMA.names) == set(PARTITION_COLUMNS)


def _article() -> Article:
    now = dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone.utc)
    return make_article(
        "body",
        title="T",
        authors=["Jane Doe"],
        published_at=now,
        topics=[TopicScore("politics", 0.7)],
        keywords=["peace plan"],
        entities=[Entity("Kyiv", "LOC")],
        story_id="s1",
        extra={"not": "written"},
    )


def test_a_record_round_trips_through_the_schema() -> None:
    row = _article().to_row()
    table = pa.Table.from_pylist([row], schema=ARTICLE_SCHEMA)
    back = table.to_pylist()[0]
    assert back["topics"] == [{"label": "politics", "score": pytest.approx(0.7)}]
    assert back["entities"] == [{"text": "Kyiv", "label": "LOC"}]
    assert back["published_at"] == row["published_at"]
    assert "extra" not in back
    rej = Rejected("s", "read", "empty", None, None, dt.datetime.now(dt.timezone.utc), "r")
    assert pa.Table.from_pylist([rej.to_row()], schema=REJECTED_SCHEMA).num_rows == 1
