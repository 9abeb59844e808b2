"""Near-duplicates and stories: which earlier article a new one copies, and which story it belongs to.

Plain functions, no Beam: `assign` takes the run's new articles (as compact `Entry`s: signatures and
salient terms, never the text) and the earlier articles loaded from `_state/` within the story window, and
returns each new article's `duplicate_of` and `story_id`. It is deterministic: the same entries give the
same answer in any process, whatever order they arrive in.

- Near-duplicate: estimated Jaccard of word 3-shingles (MinHash, `transforms.text.minhash`) at least the
  threshold, found through LSH. `duplicate_of` is the earliest such article: earlier runs first, then by
  publication time. A near-duplicate is in its original's story and takes no part in clustering: wire
  copies neither outvote distinct reports in a story nor cost a comparison each (a text copied a hundred
  times is clustered once). A new revision of an article stays in its article's story instead.
- Story: cosine similarity of salient-term vectors. A term's weight is (1 + ln tf) · (−ln p)^2.5, with
  p its frequency in the language at large (wordfreq), so names, places and numbers dominate and no
  corpus statistics are needed: two articles' similarity does not depend on what else a run holds, which
  keeps one run and many runs consistent. Only the 30 heaviest terms are kept (and stored).
  Candidates come from an index keyed by pairs of each article's 15 heaviest terms (two shared salient
  terms): a look-up costs ~100 dictionary hits, keys shared by more than `MAX_POSTINGS` articles are
  skipped, and at most `MAX_CANDIDATES` (those sharing the most keys) are compared, so an article's cost
  is bounded however many articles the window holds.
  Articles are grouped by average-link agglomerative clustering over the candidate pairs (a group joins
  another when their mean pairwise similarity is at least the threshold; pairs never retrieved count 0).
  Earlier stories are fixed: new articles may join one, two earlier stories never merge, and a new group's
  id is derived from its earliest article. The window applies when both articles have a firm publication
  date (`firmly_dated`); otherwise the text alone decides.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import heapq
import itertools
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from transforms.text import minhash, wordcount
from transforms.text.wordcount import feature_words

logger = logging.getLogger(__name__)

# Chosen on bench/bench_stories.py (ECB+ dev): pairwise F1 stays ≥ 0.85 for thresholds 0.175-0.25, and
# the seeds keep 000-003 together and 004 apart across that range.
DEFAULT_STORY_THRESHOLD = 0.2
DEFAULT_WINDOW_DAYS = 7
STORY_TERMS = 30
INDEX_TERMS = 15
# A pair of terms shared by more articles than this in the window marks a topic, not one story; it is not
# used to find candidates (bounds the cost of a look-up).
MAX_POSTINGS = 200
# Candidates compared per new article (those sharing the most salient pairs).
MAX_CANDIDATES = 64
IDF_POWER = 2.5
# Frequency given to words the wordlist does not know (rare names, numbers): rarer than any listed word.
UNKNOWN_FREQUENCY = 1e-7
FALLBACK_LANGUAGE = "en"
# transforms/text/dates.py: 0.6 is a dateline with a year; URLs, page metadata and feeds are above it.
FIRM_DATE_CONFIDENCE = 0.6

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

Terms = tuple[tuple[str, float], ...]


def _frequencies(language: str) -> Mapping[str, float]:
    import wordfreq

    try:
        return wordfreq.get_frequency_dict(language, wordlist="small")
    except LookupError:
        return wordfreq.get_frequency_dict(FALLBACK_LANGUAGE, wordlist="small")


@functools.lru_cache(maxsize=64)
def _rarities(language: str) -> Mapping[str, float]:
    """(−ln p)^IDF_POWER of every word the language's wordlist knows. Computed once per language (a few
    ms) rather than for every word of every article, where the logarithm and power were a third of the cost."""
    return {word: (-math.log(p)) ** IDF_POWER for word, p in _frequencies(language).items()}


_UNKNOWN_RARITY = (-math.log(UNKNOWN_FREQUENCY)) ** IDF_POWER


def salient_terms(text: str, language: str | None, k: int = STORY_TERMS) -> Terms:
    """The `k` heaviest terms of `text` with unit-length weights, heaviest first (ties by term)."""
    rarities = _rarities((language or FALLBACK_LANGUAGE).lower())
    counts = Counter(feature_words(text))
    if wordcount.spaceless(text) and not wordcount.is_japanese(text):
        # Chinese bigrams that are not words ("们的" of "我们的") are unknown, so the heaviest of all, and
        # common to every Chinese text: only the bigrams the Chinese wordlist knows are terms.
        listed = _rarities("zh")
        counts = Counter({w: n for w, n in counts.items() if w in listed or not wordcount.han(w)})
    # 1 + ln(tf) for every count this text has, computed once per count rather than once per word.
    damped = {n: 1.0 + math.log(n) for n in set(counts.values())}
    weights = {w: damped[n] * rarities.get(w, _UNKNOWN_RARITY) for w, n in counts.items() if len(w) >= 2}
    if not weights:
        return ()
    candidates: Iterable[tuple[str, float]] = weights.items()
    if 0 < k < len(weights):
        # Only terms at least as heavy as the k-th heaviest can be among the k: sorting the bare weights
        # (C floats) to find it, then the few candidates by (weight, term), beats sorting every term by key.
        cut = sorted(weights.values(), reverse=True)[k - 1]
        candidates = [(w, x) for w, x in candidates if x >= cut]
    top = sorted(candidates, key=lambda kv: (-kv[1], kv[0]))[:k]
    norm = math.sqrt(sum(x * x for _, x in top)) or 1.0
    return tuple((w, x / norm) for w, x in top)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return sum(a[w] * b[w] for w in a.keys() & b.keys())


def story_id_for(content_hash: str) -> str:
    """A new story is named after its earliest article's content (written once, ever)."""
    return hashlib.sha256(f"story:{content_hash}".encode()).hexdigest()[:20]


@dataclass
class Entry:
    """What clustering needs of one article; earlier ones come from `_state/`, with their story."""

    article_id: str
    revision: int
    content_hash: str
    date: dt.date
    published_at: dt.datetime | None
    ingested_at: dt.datetime
    minhash: bytes
    terms: Terms
    story_id: str | None = None
    duplicate_of: str | None = None
    # The story of an earlier revision of the same article: a revision stays in its article's story.
    story_hint: str | None = None
    run_id: str = ""
    date_confidence: float = 1.0  # of `published_at` (schemas.article); the window trusts only firm dates


@dataclass(frozen=True)
class Assignment:
    content_hash: str
    article_id: str
    duplicate_of: str | None
    story_id: str
    # Set by Dedupe for an article without a date of its own that joined a dated story (`story_days`).
    story_date: dt.date | None = None


def order_key(entry: Entry, earlier: bool) -> tuple[int, float, float, str, str]:
    """Which of two articles came first: anything an earlier run kept, then by publication time (the
    ingest time when unknown), then by id, so 'earliest' is a total order."""
    published = entry.published_at or entry.ingested_at
    return (
        0 if earlier else 1,
        (entry.ingested_at - _EPOCH).total_seconds(),
        (published - _EPOCH).total_seconds(),
        entry.article_id,
        entry.content_hash,
    )


def firmly_dated(entry: Entry) -> bool:
    """A publication date from metadata, the URL or a dateline with a year; a year guessed for a
    'December 21' in passing can be a year off, so it never keeps two articles apart."""
    return entry.published_at is not None and entry.date_confidence >= FIRM_DATE_CONFIDENCE - 1e-6


def within_window(a: Entry, b: Entry, window_days: int) -> bool:
    """Both firmly dated: at most `window_days` apart. Otherwise the text alone decides."""
    if not (firmly_dated(a) and firmly_dated(b)):
        return True
    assert a.published_at is not None and b.published_at is not None
    return abs((a.published_at - b.published_at).total_seconds()) <= window_days * 86400


def window_bounds(dates: Iterable[dt.date], window_days: int) -> tuple[dt.date, dt.date] | None:
    """The `date` range of earlier articles that new articles with `dates` may be compared with."""
    days = list(dates)
    if not days:
        return None
    return min(days) - dt.timedelta(days=window_days), max(days) + dt.timedelta(days=window_days)


class CandidateIndex:
    """Articles keyed by every pair of their `INDEX_TERMS` heaviest terms; two articles are candidates
    when they share a key, i.e. at least two salient terms."""

    def __init__(self, max_postings: int = MAX_POSTINGS) -> None:
        self.max_postings = max_postings
        self._postings: dict[tuple[str, str], list[int]] = defaultdict(list)

    @staticmethod
    def keys(terms: Terms) -> list[tuple[str, str]]:
        top = sorted(w for w, _ in terms[:INDEX_TERMS])
        return list(itertools.combinations(top, 2))

    def add(self, key: int, terms: Terms) -> None:
        for pair in self.keys(terms):
            self._postings[pair].append(key)

    def candidates(self, terms: Terms, limit: int | None = None) -> set[int]:
        """Articles sharing a key with `terms`; with `limit`, only that many, those sharing the most keys
        (ties: the lower key), so a look-up's cost stays bounded however dense the window is."""
        postings = (self._postings.get(pair) for pair in self.keys(terms))
        shared = Counter(itertools.chain.from_iterable(p for p in postings if p and len(p) <= self.max_postings))
        if limit is None or len(shared) <= limit:
            return set(shared)
        return {key for key, _ in heapq.nsmallest(limit, shared.items(), key=lambda kv: (-kv[1], kv[0]))}


def average_link(
    sizes: Sequence[int],
    fixed: Sequence[bool],
    weights: Mapping[tuple[int, int], float],
    threshold: float,
) -> list[int]:
    """Average-link agglomerative clustering over a sparse graph; returns each node's cluster root.

    Node `i` starts as a cluster of `sizes[i]` articles; `weights[(i, j)]` (i < j) is the sum of the
    similarities between their articles (missing pairs count 0). Two clusters merge while their mean
    pairwise similarity is at least `threshold`, best pair first (ties by node number); two `fixed`
    clusters (earlier stories) never merge.
    """
    n = len(sizes)
    size = list(sizes)
    is_fixed = list(fixed)
    parent = list(range(n))
    version = [0] * n
    adj: list[dict[int, float]] = [{} for _ in range(n)]
    for (i, j), w in weights.items():
        adj[i][j] = adj[i].get(j, 0.0) + w
        adj[j][i] = adj[j].get(i, 0.0) + w
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if is_fixed[a] and is_fixed[b]:
            return
        mean = adj[a][b] / (size[a] * size[b])
        if mean >= threshold:
            lo, hi = min(a, b), max(a, b)
            heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))

    for a in range(n):
        for b in adj[a]:
            if a < b:
                push(a, b)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b or version[a] != va or version[b] != vb:
            continue  # stale: one side merged since
        # Fold the smaller neighbourhood into the larger one (ties: into the lower node).
        keep, gone = (b, a) if len(adj[b]) > len(adj[a]) else (a, b)
        adj[keep].pop(gone, None)
        adj[gone].pop(keep, None)
        for k, w in adj[gone].items():
            del adj[k][gone]
            adj[keep][k] = adj[keep].get(k, 0.0) + w
            adj[k][keep] = adj[keep][k]
        adj[gone] = {}
        parent[gone] = keep
        size[keep] += size[gone]
        is_fixed[keep] = is_fixed[keep] or is_fixed[gone]
        version[keep] += 1
        version[gone] += 1
        for k in adj[keep]:
            push(keep, k)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    return [root(i) for i in range(n)]


def _copies_from(items: Sequence[Entry], i: int, j: int) -> bool:
    """Whether item `i` may be a near-duplicate of item `j`: `j` comes first, and is another article (a
    revision is not a copy of its own article)."""
    return j < i and items[j].article_id != items[i].article_id


def assign(
    new: Sequence[Entry],
    earlier: Sequence[Entry],
    *,
    near_duplicate_threshold: float = minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    story_threshold: float = DEFAULT_STORY_THRESHOLD,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[Assignment]:
    """`duplicate_of` and `story_id` for every new entry (in order of `order_key`); see the module doc."""
    olds = sorted(earlier, key=lambda e: order_key(e, True))
    news = sorted(new, key=lambda e: order_key(e, False))
    items = olds + news
    first_new = len(olds)
    vectors = [dict(e.terms) for e in items]

    # Near-duplicates: the earliest earlier-ordered article above the Jaccard threshold.
    near = minhash.NearDuplicateIndex(near_duplicate_threshold)
    near.add_all((i, e.minhash) for i, e in enumerate(items))
    copy_of: dict[int, int | None] = {}
    for i in range(first_new, len(items)):
        copy_of[i] = near.earliest(items[i].minhash, functools.partial(_copies_from, items, i))

    # Nodes: one per earlier story (its articles in the window), one per new article; a new revision
    # starts inside its article's story.
    node_of: dict[int, int] = {}
    sizes: list[int] = []
    fixed: list[bool] = []
    story_of_node: list[str | None] = []
    story_node: dict[str, int] = {}

    def story_node_for(story: str) -> int:
        if story not in story_node:
            story_node[story] = len(sizes)
            sizes.append(0)
            fixed.append(True)
            story_of_node.append(story)
        return story_node[story]

    for i in range(first_new):
        node = story_node_for(items[i].story_id or story_id_for(items[i].content_hash))
        sizes[node] += 1
        node_of[i] = node
    carried: set[int] = set()
    for i in range(first_new, len(items)):
        hint = items[i].story_hint
        original = copy_of[i]
        if hint:
            node = story_node_for(hint)
            sizes[node] += 1
        elif original is not None:
            # A near-duplicate is its original's story: it rides along with it (placed already, as it comes
            # first) and is neither a node nor compared, so a text copied a hundred times is clustered once.
            node = node_of[original]
            carried.add(i)
        else:
            node = len(sizes)
            sizes.append(1)
            fixed.append(False)
            story_of_node.append(None)
        node_of[i] = node

    # Candidate pairs (each new article against earlier ones and other new ones) and their similarity.
    index = CandidateIndex()
    for i, e in enumerate(items):
        if i not in carried:
            index.add(i, e.terms)
    weights: dict[tuple[int, int], float] = defaultdict(float)
    compared = 0
    for i in range(first_new, len(items)):
        if i in carried:
            continue
        candidates = index.candidates(items[i].terms, MAX_CANDIDATES)
        original = copy_of[i]
        if original is not None:  # a revision that also copies another article: compare it with that one
            candidates.add(original)
        for j in sorted(candidates):
            if j >= i:
                continue  # a pair of new articles is compared once, from the later one (look-ups are symmetric)
            if not within_window(items[i], items[j], window_days):
                continue
            a, b = node_of[i], node_of[j]
            if a == b:
                continue
            compared += 1
            sim = cosine(vectors[i], vectors[j])
            if sim > 0.0:
                weights[(min(a, b), max(a, b))] += sim
    roots = average_link(sizes, fixed, weights, story_threshold)
    logger.debug("clustered %d new against %d earlier articles: %d comparisons", len(news), len(olds), compared)

    # Name each cluster: its earlier story, else its earliest article.
    names: dict[int, str] = {}
    for node, story in enumerate(story_of_node):
        if story is not None:
            names[roots[node]] = story
    out = []
    for i in range(first_new, len(items)):
        root = roots[node_of[i]]
        if root not in names:
            names[root] = story_id_for(items[i].content_hash)  # items are in order: i is the earliest
        original = copy_of[i]
        duplicate_of = items[original].article_id if original is not None else None
        out.append(Assignment(items[i].content_hash, items[i].article_id, duplicate_of, names[root]))
    return out


# Confidence of a day taken from the story an undated article joined: below any evidence of the article's
# own (a passing mention in its text is 0.3-0.4) and never firm (`FIRM_DATE_CONFIDENCE`).
STORY_DATE_CONFIDENCE = 0.25


def story_days(assignments: Sequence[Assignment], new: Sequence[Entry], earlier: Sequence[Entry]) -> dict[str, dt.date]:
    """The day of its story for each new article with no date of its own (`published_at` None: it would be
    dated by its ingest time), keyed by content hash; only for stories with a dated member.

    A text without a date that joins a story is most likely as recent as the story's coverage, so it takes
    the latest day a member states itself (new or earlier; a member dated by its story does not count).
    """
    story_of = {a.content_hash: a.story_id for a in assignments}
    latest: dict[str, dt.date] = {}
    members = [(e.story_id, e) for e in earlier] + [(story_of.get(e.content_hash), e) for e in new]
    for story, entry in members:
        if story is not None and entry.published_at is not None and entry.date > latest.get(story, dt.date.min):
            latest[story] = entry.date
    return {
        e.content_hash: latest[story_of[e.content_hash]]
        for e in new
        if e.published_at is None and e.content_hash in story_of and story_of[e.content_hash] in latest
    }
