"""Data contracts of newsbeam: the article and rejected-input rows, as pyarrow schemas and typed records."""

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

__all__ = [
    "ARTICLE_SCHEMA",
    "FILE_SCHEMA",
    "PARTITION_COLUMNS",
    "REJECTED_SCHEMA",
    "SCHEMA_VERSION",
    "Article",
    "Entity",
    "Rejected",
    "TopicScore",
]
