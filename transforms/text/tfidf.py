"""TF-IDF as newsbeam's word models read a text (the topic model, the article gate's words): sublinear term
frequency times smoothed inverse document frequency, l2-normalised, terms outside the vocabulary dropped.
One definition, so that a trainer under `bench/` and a run weigh the same text the same way.

No Beam import.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np


def fit_idf(
    documents: Sequence[Mapping[str, int]], min_df: int, max_terms: int | None = None
) -> tuple[list[str], np.ndarray]:
    """The vocabulary (sorted: terms in at least `min_df` documents, the `max_terms` most frequent of them) and
    its idf, ln((1 + n) / (1 + df)) + 1."""
    df: Counter[str] = Counter()
    for counts in documents:
        df.update(counts.keys())
    kept = sorted((t for t, n in df.items() if n >= min_df), key=lambda t: (-df[t], t))[:max_terms]
    vocabulary = sorted(kept)
    n = len(documents)
    return vocabulary, np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocabulary])


def weigh(counts: Mapping[str, int], index: Mapping[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(term indices in ascending order, their l2-normalised tf-idf weights) of a text's term counts."""
    pairs = sorted((index[t], n) for t, n in counts.items() if t in index)
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = np.array([i for i, _ in pairs], dtype=np.int64)
    weights = (1.0 + np.log(np.array([n for _, n in pairs], dtype=np.float64))) * idf[rows]
    return rows, weights / np.linalg.norm(weights)


def dense(counts: Mapping[str, int], index: Mapping[str, int], idf: np.ndarray) -> np.ndarray:
    """`weigh` as one vector over the whole vocabulary (zeros where a term is absent)."""
    rows, weights = weigh(counts, index, idf)
    vector = np.zeros(len(idf))
    vector[rows] = weights
    return vector
