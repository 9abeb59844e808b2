"""Topic scores from weighted keyword lists, over the IPTC Media Topics top level or a user's taxonomy file,
and `TopicScorer`, which the pipeline uses: these keyword scores with a trained model folded into the five
topics it knows (`transforms.text.topic_model`).

Keywords cover every topic: the lists are readable, a newsroom can extend them with `--taxonomy file.yaml`
without training data, and scoring stays fast enough to sit inline in the pipeline. The model adds what
labelled data can teach where there is some (2,225 BBC articles over five topics).

Taxonomy file format (the built-in `data/iptc_topics.yaml` uses it too) — either a list of topics, or a
mapping `{extends: iptc, topics: [...]}` that starts from the built-in IPTC topics::

    - label: ukraine-peace-talks          # required; lower-case slug, used as a partition directory name
      name: Ukraine peace talks           # optional; defaults to the label
      parent: conflict-war-peace          # optional; must be another label of the taxonomy
      keywords:                           # required; word or phrase -> weight (number, may be negative)
        peace plan: 3
        witkoff: 2
        negotiat*: 1                      # a trailing * matches any word with that prefix
        price war: -2

Matching is case-insensitive on whole words: text and keywords are split on anything that is not a
letter or digit, so "U.S.-backed" is the words "u s backed" and "cease-fire" the phrase "cease fire".
Every matching keyword adds its weight, so "bank*" and "bankruptcy" both count for "bankruptcy".
With `extends`, an entry whose label already exists changes that topic: `name` and `parent` replace the
built-in ones, its keywords are merged in (weight 0 switches a built-in keyword off).

Each topic is scored on its own (multi-label): the weights of its matched keywords, body counts damped
by log, divided by a log of the text length, plus title matches, squashed by a logistic function of the
log of that evidence. A text that matches nothing gets no scores, and `primary_topic` then says
`FALLBACK_TOPIC` ("uncategorized", a reserved label no taxonomy may define). `parent` is metadata for
readers of the output; a child's score does not flow into its parent.

Only the first `DEFAULT_MAX_WORDS` words of the body are read: news puts its subject first, and the cap
keeps the cost per article flat, so a 3,000-word feature costs what a 1,000-word report does.
"""

from __future__ import annotations

import importlib.resources
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from transforms.text.keywords import stop_words
from transforms.text.topic_model import TopicModel

FALLBACK_TOPIC = "uncategorized"
BUILTIN_RESOURCE = "data/iptc_topics.yaml"
BUILTIN_NAME = "iptc"

MIN_SCORE = 0.05
MAX_TOPICS = 5
TITLE_WEIGHT = 1.0  # a title match counts this much after length normalisation (body matches are divided)
LENGTH_UNIT = 100  # words; the body divisor is 1 + ln(1 + words / LENGTH_UNIT)
# Squash: a logistic function of log-evidence, score = 1 / (1 + (MIDPOINT / evidence) ** STEEPNESS).
# Evidence MIDPOINT scores 0.5; with these values 1.6 is about the MIN_SCORE cut, 10 scores 0.85 and 25
# scores 0.98. (On 2,225 BBC articles the right topic's evidence has median 11.6, other topics' 0.9.)
MIDPOINT = 5.0
STEEPNESS = 2.5
MIN_PREFIX = 3
DEFAULT_MAX_WORDS = 1000  # body words read; None reads everything (about 3x slower on 3,000 words)
_CACHE_LIMIT = 200_000  # distinct raw tokens remembered per taxonomy before the memo starts over

_LABEL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_WORD = re.compile(r"[^\W_]+")
_TOPIC_KEYS = frozenset({"label", "name", "parent", "keywords"})
_FILE_KEYS = frozenset({"extends", "topics"})


@dataclass(frozen=True)
class TopicDef:
    """One topic as written in the taxonomy file; `terms` keep the author's spelling and order."""

    label: str
    name: str
    parent: str | None
    terms: tuple[tuple[str, float], ...]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_NO_IDS: tuple[int, ...] = ()
_CHARS_PER_WORD = 8  # generous for English news (about 6 with the space); only sizes the first slice


def _leading_words(text: str, max_words: int | None) -> list[str]:
    """The lower-cased whitespace tokens of `text`, only the first `max_words` when that is set."""
    if max_words is None:
        return text.lower().split()
    cut = max_words * _CHARS_PER_WORD
    if len(text) <= cut:
        return text.lower().split()[:max_words]
    tokens = text[:cut].lower().split()[:-1]  # the last one may be cut in half
    if len(tokens) < max_words:  # unusually long words: take the slow road
        tokens = text.lower().split()
    return tokens[:max_words]


def _trie_pattern(phrases: Iterable[tuple[str, ...]]) -> str:
    """One regex for all phrases, factored as a character trie so each position tries few branches.

    Words inside a phrase may be separated by any run of non-letters ("cease-fire", "U.S. troops").
    """
    trie: dict[str, Any] = {}
    for words in phrases:
        node = trie
        for index, word in enumerate(words):
            for char in (" " if index else "") + word:
                node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = []
        for char in sorted(k for k in node if k):
            head = r"[\W_]+" if char == " " else re.escape(char)
            branches.append(head + build(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a phrase may end here, or go on to a longer one
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return build(trie)


class Taxonomy:
    """Compiled keyword matcher for a set of topics; build with `load` or from `TopicDef`s."""

    def __init__(
        self,
        topics: Iterable[TopicDef],
        origin: str = "<taxonomy>",
        *,
        max_words: int | None = DEFAULT_MAX_WORDS,
    ) -> None:
        if max_words is not None and max_words < 1:
            raise ValueError(f"max_words must be positive or None, got {max_words!r}")
        self.topics: tuple[TopicDef, ...] = tuple(topics)
        self.origin = origin
        self.max_words = max_words
        _check_topics(self.topics, origin)
        self.labels: tuple[str, ...] = tuple(t.label for t in self.topics)
        self._compile()

    # ---- loading -------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | None = None, *, max_words: int | None = DEFAULT_MAX_WORDS) -> Taxonomy:
        """The taxonomy in the YAML file at `path`, or the built-in IPTC top level when `path` is None."""
        if path is None:
            return cls(_builtin_topics(), origin=f"built-in {BUILTIN_RESOURCE}", max_words=max_words)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        return cls.from_yaml(text, origin=str(path), max_words=max_words)

    @classmethod
    def from_yaml(
        cls,
        text: str,
        origin: str = "<string>",
        *,
        max_words: int | None = DEFAULT_MAX_WORDS,
    ) -> Taxonomy:
        """A taxonomy from YAML text in the file format described in the module docstring."""
        return cls(_parse_file(_load_yaml(text, origin), origin), origin=origin, max_words=max_words)

    def __len__(self) -> int:
        return len(self.topics)

    def __repr__(self) -> str:
        return f"Taxonomy({len(self.topics)} topics from {self.origin})"

    def get(self, label: str) -> TopicDef | None:
        """The topic with this label, if the taxonomy has one."""
        return self._by_label.get(label)

    # ---- compiling -----------------------------------------------------------------------------------

    def _compile(self) -> None:
        self._by_label = {t.label: t for t in self.topics}
        term_ids: dict[str, int] = {}
        term_hits: list[list[tuple[int, float]]] = []
        exact: dict[str, int] = {}
        prefix: dict[str, int] = {}
        phrases: dict[str, int] = {}
        for topic_index, topic in enumerate(self.topics):
            for raw_term, weight in topic.terms:
                if weight == 0:
                    continue
                key = _term_key(raw_term)
                if key not in term_ids:
                    term_ids[key] = len(term_hits)
                    term_hits.append([])
                    words = key.rstrip("*").split()
                    if key.endswith("*"):
                        prefix[words[0]] = term_ids[key]
                    elif len(words) == 1:
                        exact[words[0]] = term_ids[key]
                    else:
                        phrases[key] = term_ids[key]
                term_hits[term_ids[key]].append((topic_index, float(weight)))
        self._term_hits: tuple[tuple[tuple[int, float], ...], ...] = tuple(tuple(h) for h in term_hits)
        self._exact = exact
        self._prefix = prefix
        self._prefix_lengths = tuple(sorted({len(p) for p in prefix}))
        # Phrases: one pass of one trie regex over the space-joined tokens. At every token (after a space
        # and any leading punctuation) a lookahead finds the longest phrase starting there, ending at a
        # non-letter, so phrases match whole words and may overlap ("stock market crash" also counts
        # "stock market", and "market crash" at the next token).
        self._phrase_ids: dict[str, tuple[int, ...]] = {}
        for key, term_id in phrases.items():
            words = key.split()
            nested = [phrases[p] for p in (" ".join(words[:j]) for j in range(2, len(words))) if p in phrases]
            self._phrase_ids[key] = (term_id, *nested)
        self._phrase_re: re.Pattern[str] | None = None
        if phrases:
            trie = _trie_pattern(tuple(key.split()) for key in phrases)
            # Leading punctuation is skipped within the token only ("“peace plan”"): skipping a
            # free-standing "—" as well would find the phrase after it twice.
            self._phrase_re = re.compile(r" (?=[^\w ]*(" + trie + r")(?![^\W_]))")
        self._memo: dict[str, tuple[int, ...]] = {}
        self._relevant: dict[str, tuple[int, ...]] = {}
        self._false_friends: dict[str, frozenset[int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Beam pickles DoFns holding a taxonomy; the memo is rebuilt on the worker.
        state = self.__dict__.copy()
        state["_memo"], state["_relevant"], state["_false_friends"] = {}, {}, {}
        return state

    def _false_friend_ids(self, language: str | None) -> frozenset[int]:
        """The one-word terms that are function words of `language` but not of English (German "war" is
        "was", French "son" is "his"): in a text of that language they are no evidence of a topic."""
        code = (language or "en").lower()
        ids = self._false_friends.get(code)
        if ids is None:
            foreign = stop_words(code) - stop_words("en")
            ids = self._false_friends[code] = frozenset(i for word, i in self._exact.items() if word in foreign)
        return ids

    def _term_ids(self, raw: str) -> tuple[int, ...]:
        """The single-word terms one lower-cased whitespace token matches ("u.s.-backed": u, s, backed)."""
        ids: list[int] = []
        for word in _WORD.findall(raw):
            term_id = self._exact.get(word)
            if term_id is not None:
                ids.append(term_id)
            for length in self._prefix_lengths:
                if length > len(word):
                    break
                term_id = self._prefix.get(word[:length])
                if term_id is not None:
                    ids.append(term_id)
        return tuple(ids) if ids else _NO_IDS

    # ---- scoring -------------------------------------------------------------------------------------

    def _term_counts(self, text: str) -> tuple[dict[int, int], int]:
        """Occurrences per term id in `text` (its first `max_words` words), and the words counted."""
        tokens = _leading_words(text, self.max_words)
        if not tokens:
            return {}, 0
        memo, relevant = self._memo, self._relevant
        if len(memo) > _CACHE_LIMIT:
            # Replace rather than clear, so a thread still holding the old dicts is unaffected.
            memo, relevant = {}, {}
            self._memo, self._relevant = memo, relevant
        counts = Counter(tokens)
        for raw in set(counts).difference(memo):  # iterates `counts`, not the memo
            ids = self._term_ids(raw)
            memo[raw] = ids
            if ids:
                relevant[raw] = ids

        found: dict[int, int] = {}
        for raw in counts.keys() & relevant.keys():  # C-level; walks the smaller side
            n = counts[raw]
            for term_id in relevant[raw]:
                found[term_id] = found.get(term_id, 0) + n
        if self._phrase_re is not None:
            phrase_ids = self._phrase_ids
            for match in self._phrase_re.findall(" " + " ".join(tokens) + " "):
                matched = phrase_ids.get(match)
                if matched is None:  # punctuation between the words: "cease-fire", "U.S. troops"
                    matched = phrase_ids.get(" ".join(_WORD.findall(match)), _NO_IDS)
                for term_id in matched:
                    found[term_id] = found.get(term_id, 0) + 1
        return found, len(tokens)

    def evidence(self, text: str, title: str | None = None, language: str | None = None) -> list[float]:
        """Raw evidence per topic (index-aligned with `topics`), before the logistic squash; terms that are
        function words of the text's `language` count for nothing (`_false_friend_ids`)."""
        totals = [0.0] * len(self.topics)
        found, words = self._term_counts(text)
        false_friends = self._false_friend_ids(language)
        if false_friends:
            found = {term_id: n for term_id, n in found.items() if term_id not in false_friends}
        # Terms in id order: `_term_counts` finds them through a set intersection, whose order follows the
        # process's string hash seed, and a float sum in another order can differ in its last bits (enough
        # to swap two tied topics between two workers).
        if found:
            divisor = 1.0 + math.log1p(words / LENGTH_UNIT)
            for term_id, n in sorted(found.items()):
                damped = (1.0 + math.log(n)) / divisor
                for topic_index, weight in self._term_hits[term_id]:
                    totals[topic_index] += weight * damped
        if title:
            title_found, _ = self._term_counts(title)
            for term_id in sorted(title_found.keys() - false_friends):
                for topic_index, weight in self._term_hits[term_id]:
                    totals[topic_index] += weight * TITLE_WEIGHT
        return totals

    def score(self, text: str, title: str | None = None, language: str | None = None) -> list[tuple[str, float]]:
        """(label, score in [0, 1]) best first; only scores >= MIN_SCORE, at most MAX_TOPICS."""
        return _best(zip(self.labels, map(keyword_score, self.evidence(text, title, language)), strict=True))


def keyword_score(evidence: float) -> float:
    """The keyword evidence of one topic squashed into [0, 1): 1 / (1 + (MIDPOINT / evidence) ** STEEPNESS)."""
    if evidence <= 0.0:
        return 0.0
    return 1.0 / (1.0 + (MIDPOINT / evidence) ** STEEPNESS)


def _best(scored: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Scores of at least MIN_SCORE, best first (ties by label), at most MAX_TOPICS."""
    kept = [(label, score) for label, score in scored if score >= MIN_SCORE]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return kept[:MAX_TOPICS]


def primary_topic(scores: Sequence[tuple[str, float]]) -> str:
    """The best label, or `FALLBACK_TOPIC` ("uncategorized") when nothing scored."""
    if not scores:
        return FALLBACK_TOPIC
    return max(scores, key=lambda item: item[1])[0]


class TopicScorer:
    """Topic scores for the pipeline: the keyword taxonomy, with the trained model's opinion folded into the
    topics it knows (see `transforms.text.topic_model` for how and why).

    With a user taxonomy the model still scores the built-in labels the file keeps (e.g. with
    `extends: iptc`); the user's own topics are scored by their keywords alone.
    """

    def __init__(self, taxonomy: Taxonomy, model: TopicModel | None = None) -> None:
        self.taxonomy = taxonomy
        self.model = model if model is not None and model.calibration is not None else None
        self._model_labels = (
            {label: i for i, label in enumerate(taxonomy.labels) if label in self.model.labels} if self.model else {}
        )

    @classmethod
    def load(cls, taxonomy_path: str | None = None, *, use_model: bool = True) -> TopicScorer:
        """The built-in IPTC taxonomy (or the file at `taxonomy_path`) with the shipped model."""
        taxonomy = Taxonomy.load(taxonomy_path)
        return cls(taxonomy, TopicModel.load() if use_model else None)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.taxonomy.labels

    def score(self, text: str, title: str | None = None, language: str | None = None) -> list[tuple[str, float]]:
        """(label, score in [0, 1]) best first; only scores >= MIN_SCORE, at most MAX_TOPICS."""
        evidence = self.taxonomy.evidence(text, title, language)
        scores = [keyword_score(value) for value in evidence]
        if self.model is not None and self._model_labels:
            calibration = self.model.calibration
            assert calibration is not None
            odds = self.model.log_odds(text, title)
            for label, position in self._model_labels.items():
                scores[position] = calibration.score(odds[label], evidence[position])
        return _best(zip(self.labels, scores, strict=True))


# ---- parsing and validation ----------------------------------------------------------------------------


def _term_key(term: str) -> str:
    """The matching form of a keyword: lower-case words joined by single spaces, `*` kept at the end."""
    star = term.rstrip().endswith("*")
    words = _words(term)
    return " ".join(words) + ("*" if star else "")


# libyaml's parser when PyYAML was built with it: it parses the built-in taxonomy in 17 ms instead of 136,
# which every worker pays at start-up.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loading that refuses duplicate keys, which plain YAML silently lets the last one win."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            mark = key_node.start_mark
            raise ValueError(f"duplicate key {key!r} at line {mark.line + 1}, column {mark.column + 1}")
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str, origin: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        raise ValueError(f"{origin}: not valid YAML: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{origin}: {exc}") from None


def _builtin_topics() -> list[TopicDef]:
    resource = importlib.resources.files("transforms").joinpath(BUILTIN_RESOURCE)
    origin = f"built-in {BUILTIN_RESOURCE}"
    return _parse_file(_load_yaml(resource.read_text(encoding="utf-8"), origin), origin)


def _parse_file(data: Any, origin: str) -> list[TopicDef]:
    if isinstance(data, list):
        return [_parse_topic(entry, i, origin) for i, entry in enumerate(data)]
    if isinstance(data, dict):
        unknown = sorted(map(str, set(data) - _FILE_KEYS))
        if unknown:
            raise ValueError(f"{origin}: unknown top-level key(s) {unknown}; allowed: {sorted(_FILE_KEYS)}")
        if "topics" not in data or not isinstance(data["topics"], list):
            raise ValueError(f"{origin}: `topics` must be a list of topics")
        own = [_parse_topic(entry, i, origin) for i, entry in enumerate(data["topics"])]
        extends = data.get("extends")
        if extends is None:
            return own
        if extends != BUILTIN_NAME:
            raise ValueError(f"{origin}: `extends` must be {BUILTIN_NAME!r} (the built-in IPTC topics)")
        return _merge(_builtin_topics(), own)
    got = type(data).__name__
    raise ValueError(f"{origin}: expected a list of topics or a mapping with `topics`, got {got}")


def _parse_topic(entry: Any, index: int, origin: str) -> TopicDef:
    where = f"{origin}: topic #{index + 1}"
    if not isinstance(entry, dict):
        got = type(entry).__name__
        raise ValueError(f"{where}: expected a mapping with label/name/parent/keywords, got {got}")
    label = entry.get("label")
    if label is None:
        raise ValueError(f"{where}: missing `label`")
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise ValueError(f"{where}: label {label!r} must be a lower-case slug like 'conflict-war-peace'")
    where = f"{origin}: topic {label!r}"
    unknown = set(entry) - _TOPIC_KEYS
    if unknown:
        names = sorted(map(str, unknown))
        raise ValueError(f"{where}: unknown key(s) {names}; allowed: {sorted(_TOPIC_KEYS)}")
    name = entry.get("name", label)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: `name` must be a non-empty string")
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ValueError(f"{where}: `parent` must be a label (string)")
    keywords = entry.get("keywords")
    if keywords is None:
        raise ValueError(f"{where}: missing `keywords` (a mapping of word or phrase to weight)")
    if not isinstance(keywords, dict):
        raise ValueError(f"{where}: `keywords` must be a mapping of word or phrase to weight")
    terms: list[tuple[str, float]] = []
    seen: dict[str, str] = {}
    for term, weight in keywords.items():
        if not isinstance(term, str):
            raise ValueError(f"{where}: keyword {term!r} must be a string (quote numbers and yes/no)")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise ValueError(f"{where}: weight of keyword {term!r} must be a number, got {weight!r}")
        key = _term_key(term)
        if not key.rstrip("*"):
            raise ValueError(f"{where}: keyword {term!r} has no letters or digits")
        if "*" in term.rstrip().rstrip("*"):
            raise ValueError(f"{where}: keyword {term!r}: `*` is only allowed at the end")
        if key.endswith("*") and (" " in key or len(key) - 1 < MIN_PREFIX):
            raise ValueError(
                f"{where}: keyword {term!r}: a prefix must be one word of at least {MIN_PREFIX} characters"
            )
        if key in seen:
            raise ValueError(f"{where}: keywords {seen[key]!r} and {term!r} are the same after normalisation")
        seen[key] = term
        terms.append((term, float(weight)))
    return TopicDef(label=label, name=name.strip(), parent=parent, terms=tuple(terms))


def _merge(base: list[TopicDef], changes: list[TopicDef]) -> list[TopicDef]:
    merged = {t.label: t for t in base}
    for change in changes:
        old = merged.get(change.label)
        if old is None:
            merged[change.label] = change
            continue
        terms = {_term_key(term): (term, weight) for term, weight in old.terms}
        terms.update({_term_key(term): (term, weight) for term, weight in change.terms})
        merged[change.label] = TopicDef(
            label=change.label,
            name=change.name if change.name != change.label else old.name,
            parent=change.parent if change.parent is not None else old.parent,
            terms=tuple(terms.values()),
        )
    return list(merged.values())


def _check_topics(topics: Sequence[TopicDef], origin: str) -> None:
    if not topics:
        raise ValueError(f"{origin}: the taxonomy has no topics")
    labels: set[str] = set()
    for topic in topics:
        if topic.label in labels:
            raise ValueError(f"{origin}: label {topic.label!r} is defined twice")
        if topic.label == FALLBACK_TOPIC:
            raise ValueError(f"{origin}: label {FALLBACK_TOPIC!r} is reserved for texts that match no topic")
        if not _LABEL.fullmatch(topic.label):
            raise ValueError(f"{origin}: label {topic.label!r} must be a lower-case slug")
        labels.add(topic.label)
    parents = {t.label: t.parent for t in topics}
    for topic in topics:
        if topic.parent is not None and topic.parent not in labels:
            raise ValueError(f"{origin}: topic {topic.label!r} has unknown parent {topic.parent!r}")
        seen = {topic.label}
        parent = topic.parent
        while parent is not None:
            if parent in seen:
                raise ValueError(f"{origin}: parent cycle through {topic.label!r}")
            seen.add(parent)
            parent = parents[parent]
        if not any(weight > 0 for _, weight in topic.terms):
            raise ValueError(f"{origin}: topic {topic.label!r} has no keyword with a positive weight")
