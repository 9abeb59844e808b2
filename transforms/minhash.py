"""MinHash signatures over word shingles, for near-duplicate detection (datasketch).

Two copies of one wire story on two sites differ by a headline, a byline, a paragraph cut: their exact
hashes differ, but most of their word 3-shingles agree. The MinHash of the shingle set estimates that
agreement (Jaccard similarity) from 128 numbers, which are small enough to keep for every article under
`_state/` and to look up through LSH bands instead of comparing with everything seen.

Signatures are stored as `NUM_PERM` little-endian uint32 values; the seed and permutation scheme are fixed
here, so a signature written by one run compares with one computed by the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from transforms.identity import normalise_text

NUM_PERM = 128
SEED = 20261121
SCHEME = "affine32"  # datasketch ≥ 2.0; fixed so stored signatures stay comparable across versions
SHINGLE_WORDS = 3
# Measured in bench/bench_stories.py: light edits of one text (a cut paragraph, a new headline, a few
# changed words) stay above 0.6; different outlets' reports of one event stay below 0.3.
DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.5

_HIGH_THRESHOLD_BANDS = (16, 8)
_WORD = re.compile(r"\w+")
_DTYPE = np.dtype("<u4")
_TEMPLATE: MinHash | None = None


def words(text: str) -> list[str]:
    """The words identity is computed from: normalised (NFKC, case-folded), punctuation dropped."""
    return _WORD.findall(normalise_text(text))


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Word `size`-shingles of the normalised text; a text shorter than `size` words is one shingle."""
    tokens = words(text)
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)}


def _template() -> MinHash:
    # Building the permutations is the slow part of MinHash(); every signature shares one set.
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return _TEMPLATE


def signature(text: str) -> bytes:
    """The MinHash of `text`'s shingles, serialised for storage (NUM_PERM × uint32)."""
    template = _template()
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=template.permutations)
    minhash.update_batch(shingles(text))
    return np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes()


def hashvalues(stored: bytes) -> np.ndarray:
    values = np.frombuffer(stored, dtype=_DTYPE)
    if values.size != NUM_PERM:
        raise ValueError(f"a signature has {NUM_PERM} values, got {values.size}")
    return values


def lean(stored: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=hashvalues(stored), scheme=SCHEME)


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets from their stored signatures."""
    return float(np.count_nonzero(hashvalues(a) == hashvalues(b))) / NUM_PERM


class NearDuplicateIndex:
    """LSH over stored signatures: `candidates` returns the keys whose estimated Jaccard with a signature
    is likely above `threshold`, in O(bands) look-ups rather than one comparison per stored article."""

    def __init__(self, threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"a Jaccard threshold is in (0, 1], got {threshold}")
        self.threshold = threshold
        try:
            self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        except ValueError:
            # Near 1.0 datasketch's optimum has a single band; 16 bands of 8 still find J ≥ 0.9 pairs with
            # probability > 0.99 (every candidate is verified on the signatures anyway).
            self._lsh = MinHashLSH(num_perm=NUM_PERM, params=_HIGH_THRESHOLD_BANDS)
        self._signatures: dict[int, bytes] = {}

    def add(self, key: int, stored: bytes) -> None:
        self._lsh.insert(key, lean(stored), check_duplication=False)
        self._signatures[key] = stored

    def add_all(self, items: Iterable[tuple[int, bytes]]) -> None:
        for key, stored in items:
            self.add(key, stored)

    def candidates(self, stored: bytes) -> list[int]:
        """Keys of near-duplicates of `stored` (verified on the signatures), sorted."""
        found = self._lsh.query(lean(stored))
        return sorted(k for k in found if jaccard(self._signatures[k], stored) >= self.threshold)


def pairwise_jaccard(texts: Sequence[str]) -> np.ndarray:
    """Estimated Jaccard of every pair (for tests and benchmarks on small sets only)."""
    sigs = [hashvalues(signature(t)) for t in texts]
    n = len(sigs)
    out = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = float(np.count_nonzero(sigs[i] == sigs[j])) / NUM_PERM
    return out
