"""MinHash signatures over word shingles, for near-duplicate detection (datasketch).

Two copies of one wire story on two sites differ by a headline, a byline, a paragraph cut: their exact
hashes differ, but most of their word 3-shingles agree. The MinHash of the shingle set estimates that
agreement (Jaccard similarity) from 128 numbers, which are small enough to keep for every article under
`_state/` and to look up through LSH bands instead of comparing with everything seen.

Signatures are stored as `NUM_PERM` little-endian uint32 values; the seed and permutation scheme are fixed
here, so a signature written by one run compares with one computed by the next.

datasketch imports scipy (0.4 s of CPU, 1.5 s on a loaded machine), which every run paid before its first
article. So the signing computes datasketch's permutations itself (the same numbers; tests/test_stories.py
checks the signatures against datasketch), and at the default threshold the index bands the signatures
itself, as datasketch's `MinHashLSH` would (25 bands of 5, the same candidates). datasketch is imported
only for another threshold, where its `MinHashLSH` chooses the bands.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from transforms.text.wordcount import feature_words

if TYPE_CHECKING:
    from datasketch import LeanMinHash

NUM_PERM = 128
SEED = 20261121
SCHEME = "affine32"  # datasketch ≥ 2.0; fixed so stored signatures stay comparable across versions
SHINGLE_WORDS = 3
# Measured in bench/bench_stories.py: light edits of one text (a cut paragraph, a new headline, a few
# changed words) stay above 0.6; different outlets' reports of one event stay below 0.3.
DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.5

_HIGH_THRESHOLD_BANDS = (16, 8)
# (bands, rows) datasketch's MinHashLSH chooses for the default threshold and NUM_PERM (a test checks it).
DEFAULT_BANDS = (25, 5)
_DTYPE = np.dtype("<u4")
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=_DTYPE)  # datasketch's value for no shingles
# MurmurHash3's 32-bit finalizer (shifts and multipliers), as datasketch applies it before permuting.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_PERMUTATIONS: tuple[np.ndarray, np.ndarray] | None = None


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Word `size`-shingles of the normalised text; a text shorter than `size` words is one shingle."""
    tokens = feature_words(text)  # Chinese bigrams, Japanese kanji/katakana runs, Thai segments too
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    # map() over C functions rather than a comprehension: the same set at 60% of the cost.
    return set(map(str.encode, map(" ".join, zip(*(tokens[i:] for i in range(size)), strict=False))))


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters for (NUM_PERM, SEED, SCHEME), as columns: (a, b).

    As `MinHash._init_permutations` draws them for the 32-bit affine scheme: odd multipliers, then offsets,
    from NumPy's RandomState seeded with SEED."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        draw = np.random.RandomState(SEED)
        a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = (a.reshape(-1, 1), b.reshape(-1, 1))
    return _PERMUTATIONS


def _min_hashes(items: Collection[bytes]) -> np.ndarray:
    """datasketch's affine32 MinHash of `items` under its default hash (SHA-1's first 4 bytes, little-endian).

    The arithmetic of `MinHash.update_batch`, in uint32 with wrap-around: h = fmix32(hash(item)), then per
    permutation the minimum over items of a * h + b. Computed here because `update_batch` hashes through a
    Python function per item and builds the (items x permutations) product the slow way (below), which
    made it more than half the cost of a signature. tests/test_stories.py checks it against datasketch.
    """
    if not items:
        return _EMPTY.copy()
    # A SHA-1 digest is 20 bytes, so the first 4 of each (datasketch's sha1_hash32) are every fifth uint32.
    sha1 = hashlib.sha1
    digests = b"".join([sha1(item).digest() for item in items])
    hashed = np.frombuffer(digests, dtype=_DTYPE)[::5].astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    hashed ^= hashed >> s1
    hashed *= m1
    hashed ^= hashed >> s2
    hashed *= m2
    hashed ^= hashed >> s3
    a, b = _permutations()
    values = a * hashed  # (permutations, items)
    # In place: for arrays over 256 KiB numpy's temporary elision in `a * hashed + b` walks the C stack
    # (backtrace), which costs several times the arithmetic.
    values += b
    return values.min(axis=1).astype(_DTYPE)


def signature(text: str) -> bytes:
    """The MinHash of `text`'s shingles, serialised for storage (NUM_PERM × uint32)."""
    return _min_hashes(shingles(text)).tobytes()


def hashvalues(stored: bytes) -> np.ndarray:
    values = np.frombuffer(stored, dtype=_DTYPE)
    if values.size != NUM_PERM:
        raise ValueError(f"a signature has {NUM_PERM} values, got {values.size}")
    return values


def lean(stored: bytes) -> LeanMinHash:
    return _lean(hashvalues(stored))


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets from their stored signatures."""
    return float(np.count_nonzero(hashvalues(a) == hashvalues(b))) / NUM_PERM


class _Bands:
    """LSH banding as datasketch's `MinHashLSH` does it: a key is a candidate for a signature when all the
    values of at least one band agree. Only for the bands chosen already (DEFAULT_BANDS)."""

    def __init__(self, bands: int, rows: int) -> None:
        self._ranges = [(i * rows, (i + 1) * rows) for i in range(bands)]
        self._tables: list[defaultdict[bytes, set[int]]] = [defaultdict(set) for _ in range(bands)]

    def insert(self, key: int, values: np.ndarray) -> None:
        for table, (start, end) in zip(self._tables, self._ranges, strict=True):
            table[values[start:end].tobytes()].add(key)

    def query(self, values: np.ndarray) -> set[int]:
        found: set[int] = set()
        for table, (start, end) in zip(self._tables, self._ranges, strict=True):
            found.update(table.get(values[start:end].tobytes(), ()))
        return found


class _Datasketch:
    """datasketch's `MinHashLSH`, for thresholds whose bands it chooses."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        try:
            self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        except ValueError:
            # Near 1.0 datasketch's optimum has a single band; 16 bands of 8 still find J ≥ 0.9 pairs with
            # probability > 0.99 (every candidate is verified on the signatures anyway).
            self._lsh = MinHashLSH(num_perm=NUM_PERM, params=_HIGH_THRESHOLD_BANDS)

    def insert(self, key: int, values: np.ndarray) -> None:
        self._lsh.insert(key, _lean(values), check_duplication=False)

    def query(self, values: np.ndarray) -> Any:
        return self._lsh.query(_lean(values))


def _lean(values: np.ndarray) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


class NearDuplicateIndex:
    """LSH over stored signatures: `candidates` returns the keys whose estimated Jaccard with a signature
    is likely above `threshold`, in O(bands) look-ups rather than one comparison per stored article."""

    def __init__(self, threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"a Jaccard threshold is in (0, 1], got {threshold}")
        self.threshold = threshold
        self._lsh: _Bands | _Datasketch = (
            _Bands(*DEFAULT_BANDS) if threshold == DEFAULT_NEAR_DUPLICATE_THRESHOLD else _Datasketch(threshold)
        )
        self._signatures: dict[int, bytes] = {}

    def add(self, key: int, stored: bytes) -> None:
        self._lsh.insert(key, hashvalues(stored))
        self._signatures[key] = stored

    def add_all(self, items: Iterable[tuple[int, bytes]]) -> None:
        for key, stored in items:
            self.add(key, stored)

    def candidates(self, stored: bytes) -> list[int]:
        """Keys of near-duplicates of `stored` (verified on the signatures), sorted."""
        found = self._lsh.query(hashvalues(stored))
        return sorted(k for k in found if jaccard(self._signatures[k], stored) >= self.threshold)

    def earliest(self, stored: bytes, accept: Callable[[int], bool]) -> int | None:
        """The smallest key that `accept` takes and that is a near-duplicate of `stored`. Candidates are
        verified in key order up to the first match, so a copy of a text copied a hundred times costs one
        comparison, not a hundred."""
        for key in sorted(k for k in self._lsh.query(hashvalues(stored)) if accept(k)):
            if jaccard(self._signatures[key], stored) >= self.threshold:
                return key
        return None


def pairwise_jaccard(texts: Sequence[str]) -> np.ndarray:
    """Estimated Jaccard of every pair (for tests and benchmarks on small sets only)."""
    sigs = [hashvalues(signature(t)) for t in texts]
    n = len(sigs)
    out = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = float(np.count_nonzero(sigs[i] == sigs[j])) / NUM_PERM
    return out
