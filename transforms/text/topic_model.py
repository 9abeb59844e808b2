"""The trained part of topic tagging: a TF-IDF multinomial naive Bayes model over five IPTC top-level topics,
and its calibrated combination with the keyword taxonomy (`transforms.text.topics`).

Why naive Bayes: on the BBC news set (the only labelled news data at hand, five classes) it reaches about
0.98 macro-F1 in grouped 5-fold cross-validation, trains in a second with numpy alone (no scikit-learn),
is exactly reproducible (sums, no iterative optimiser), and scores an article in well under a millisecond.

Why combine with keywords: the model knows only the five classes it was trained on (`MODEL_LABELS`) and
splits every text among them, a weather report included. The keyword lists cover all 17 IPTC topics and
say how much a text is about each one. So a model topic's score is a logistic function of both the
model's log-odds and the keyword evidence for that topic, with weights fitted on out-of-fold predictions
(`Calibration`): it is high only when the model prefers the topic and the text talks about it. Topics the
model does not know (conflict, weather, …, and a user's own) keep their keyword score. Scores are
independent per topic (multi-label), not a distribution.

The artifact (`data/topic_model.json.gz`) is built by `python -m bench.train_topics` from the BBC
set beside the project; nothing is downloaded at run time.
"""

from __future__ import annotations

import gzip
import importlib.resources
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from transforms.text import tfidf

ARTIFACT_RESOURCE = "data/topic_model.json.gz"
FORMAT_VERSION = 1
# The IPTC topics the BBC classes map to (business, entertainment, politics, sport, tech).
MODEL_LABELS = (
    "arts-culture-entertainment-media",
    "economy-business-finance",
    "politics",
    "science-technology",
    "sport",
)
MAX_WORDS = 1000  # body words read, as for keywords: news states its subject early and the cost stays flat
TITLE_WEIGHT = 2  # a title word counts as this many body words
LOGIT_CLIP = 30.0

_TOKEN = re.compile(r"[^\W\d_]{2,}")
_CHARS_PER_TOKEN = 8  # generous for English news; only sizes the slice `_leading_tokens` reads first
# Bigrams that start or end with one of these are mostly noise ("of the", "said he").
_BIGRAM_STOP_WORDS = (
    "the a an and or of to in on at for with from by is are was were be been being it its this that these "
    "those as he she they we you i his her their our your not but have has had will would can could may "
    "might must shall should do does did said says say also than then there here which who whom whose what "
    "when where"
)
_BIGRAM_STOP = frozenset(_BIGRAM_STOP_WORDS.split())


def model_features(text: str, title: str | None = None, max_words: int | None = MAX_WORDS) -> Counter[str]:
    """Counts of the words the model reads and of adjacent pairs of them.

    Only words written in lower case count (two letters or more): names of people, firms and places tie a
    2004-05 training set to its own news (Yukos and Gazprom made "Russia" a business word) and mislead
    the model on today's; the common vocabulary of a topic travels. Title words count `TITLE_WEIGHT` times.
    """
    words = [word for word in _leading_tokens(text or "", max_words) if not word[0].isupper()]
    counts: Counter[str] = Counter(words)
    stop = _BIGRAM_STOP
    counts.update(f"{a} {b}" for a, b in itertools.pairwise(words) if a not in stop and b not in stop)
    if title:
        # A sentence-case title starts with a capital that marks no name ("Shares fall as ...").
        for position, word in enumerate(_TOKEN.findall(title)):
            if position == 0 or not word[0].isupper():
                counts[word.lower()] += TITLE_WEIGHT
    return counts


def _leading_tokens(text: str, max_words: int | None) -> list[str]:
    """`_TOKEN.findall(text)[:max_words]`, reading little more of a long text than the words kept."""
    if max_words is None:
        return _TOKEN.findall(text)
    cut = max_words * _CHARS_PER_TOKEN
    if len(text) > cut:
        words = _TOKEN.findall(text, 0, cut)
        if len(words) > max_words:  # only the last word found may be cut in half, and it is not kept
            return words[:max_words]
    return _TOKEN.findall(text)[:max_words]


@dataclass(frozen=True)
class Calibration:
    """score = sigmoid(w_model * p + w_keywords * k + w_both * p * k + bias), where p is the model's posterior
    for the topic and k = ln(1 + keyword evidence).

    The posterior (bounded) rather than its log-odds: out of its domain the model is confidently wrong
    as often as not, so on its own it may lift a topic only so far; the product term lets model and
    keywords reinforce each other when they agree. With neither (an empty or foreign text) the score is
    sigmoid(bias), far below the reporting threshold.
    """

    model_weight: float
    keyword_weight: float
    both_weight: float
    bias: float

    @staticmethod
    def features(log_odds: float, evidence: float) -> tuple[float, float, float]:
        p = 1.0 / (1.0 + math.exp(-log_odds))
        k = math.log1p(max(evidence, 0.0))
        return p, k, p * k

    def score(self, log_odds: float, evidence: float) -> float:
        p, k, pk = self.features(log_odds, evidence)
        z = self.model_weight * p + self.keyword_weight * k + self.both_weight * pk + self.bias
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "model_weight": self.model_weight,
            "keyword_weight": self.keyword_weight,
            "both_weight": self.both_weight,
            "bias": self.bias,
        }


class TopicModel:
    """TF-IDF (sublinear tf, l2-normalised) multinomial naive Bayes over `labels`."""

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: np.ndarray,
        log_probs: np.ndarray,
        log_prior: np.ndarray,
        calibration: Calibration | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.vocabulary = tuple(vocabulary)
        self.index = {term: i for i, term in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.log_probs = np.asarray(log_probs, dtype=np.float64)  # (terms, labels)
        self.log_prior = np.asarray(log_prior, dtype=np.float64)
        self.calibration = calibration
        self.info = dict(info or {})
        if self.log_probs.shape != (len(self.vocabulary), len(self.labels)) or self.idf.shape != (
            len(self.vocabulary),
        ):
            raise ValueError("topic model arrays do not match its vocabulary and labels")

    # ---- scoring -------------------------------------------------------------------------------------

    def vector(self, counts: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """(term indices, l2-normalised tf-idf weights) of a text's features; unknown terms are dropped."""
        return tfidf.weigh(counts, self.index, self.idf)

    def joint_log_likelihood(self, text: str, title: str | None = None) -> np.ndarray:
        rows, weights = self.vector(model_features(text, title))
        return self.log_prior + weights @ self.log_probs[rows]

    def log_odds(self, text: str, title: str | None = None) -> dict[str, float]:
        """ln(p / (1 - p)) per label, from the model's posterior over its labels."""
        return dict(zip(self.labels, _log_odds(self.joint_log_likelihood(text, title)), strict=True))

    def predict(self, text: str, title: str | None = None) -> str:
        return self.labels[int(np.argmax(self.joint_log_likelihood(text, title)))]

    # ---- storage -------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "kind": "tfidf-multinomial-nb",
            "labels": list(self.labels),
            "info": self.info,
            "calibration": self.calibration.as_dict() if self.calibration else None,
            "log_prior": [_round(v) for v in self.log_prior],
            "vocabulary": list(self.vocabulary),
            "idf": [_round(v) for v in self.idf],
            # One list per label, index-aligned with the vocabulary.
            "log_probs": {label: [_round(v) for v in self.log_probs[:, j]] for j, label in enumerate(self.labels)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TopicModel:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"topic model format {data.get('format')!r} is not {FORMAT_VERSION}")
        labels = list(data["labels"])
        calibration = Calibration(**data["calibration"]) if data.get("calibration") else None
        log_probs = np.array([data["log_probs"][label] for label in labels], dtype=np.float64).T
        return cls(labels, data["vocabulary"], np.array(data["idf"]), log_probs, np.array(data["log_prior"]),
                   calibration, data.get("info"))  # fmt: skip

    def dumps(self) -> bytes:
        """The artifact bytes: gzip (no timestamp) of sorted, compact JSON, so equal models give equal bytes."""
        raw = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def loads(cls, blob: bytes) -> TopicModel:
        return cls.from_json(json.loads(gzip.decompress(blob)))

    @classmethod
    def load(cls, path: str | None = None) -> TopicModel:
        """The model at `path`, or the one shipped as package data."""
        if path is None:
            blob = importlib.resources.files("transforms").joinpath(ARTIFACT_RESOURCE).read_bytes()
        else:
            with open(path, "rb") as handle:
                blob = handle.read()
        return cls.loads(blob)


def _round(value: float) -> float:
    # Seven significant digits: well below any effect on scores, and stable text across platforms.
    return float(f"{float(value):.7g}")


def _log_odds(jll: np.ndarray) -> np.ndarray:
    """Per-label log-odds ln(p / (1 - p)) of the softmax posterior, within +-LOGIT_CLIP."""
    shifted = np.exp(jll - jll.max())
    p = np.clip(shifted / shifted.sum(), _P_MIN, 1.0 - _P_MIN)
    return np.clip(np.log(p) - np.log1p(-p), -LOGIT_CLIP, LOGIT_CLIP)


_P_MIN = 1.0 / (1.0 + math.exp(LOGIT_CLIP))
