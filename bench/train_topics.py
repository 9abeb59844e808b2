"""Train the topic model shipped as `transforms/data/topic_model.json.gz`, and measure it honestly.

    python -m bench.train_topics [--data ../shared/data/topics/bbc-news] [--output PATH] [--check]

Data: the BBC news set (2,225 articles, 2004-2005, five classes) beside the project, never copied into the
repository. Its classes map to IPTC top-level topics (`BBC_TO_IPTC`).

Training is deterministic: folds come from a SHA-256 of a fixed seed and the article ids (no random
number generator whose stream could change between numpy versions), the model is naive Bayes (sums, no
iterative optimiser) and the calibration is a three-parameter logistic regression solved by Newton's
method. Rebuilding therefore gives the same artifact; `--check` verifies that the shipped one matches.

Cross-validation keeps every group of exact duplicates (`exact_dup_group`) in one fold, so no article is
tested against its own copy, and stratifies by class.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transforms.text import tfidf
from transforms.text.topic_model import ARTIFACT_RESOURCE, MODEL_LABELS, Calibration, TopicModel, model_features
from transforms.text.topics import Taxonomy

logger = logging.getLogger(__name__)

BBC_TO_IPTC = {
    "business": "economy-business-finance",
    "entertainment": "arts-culture-entertainment-media",
    "politics": "politics",
    "sport": "sport",
    "tech": "science-technology",
}
SEED = 20261121
FOLDS = 5
MIN_DF = 2  # a term must occur in this many training articles
MAX_TERMS = 30_000  # the most frequent terms (by document frequency) are kept; keeps the artifact small
ALPHA = 0.01  # additive smoothing of the per-class term weights
CALIBRATION_L2 = 1e-3
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "topics" / "bbc-news"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "transforms" / ARTIFACT_RESOURCE


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    text: str
    label: str  # IPTC slug
    group: str  # articles sharing a group are exact duplicates and stay in one fold


def load_bbc(folder: Path = DEFAULT_DATA) -> list[Example]:
    """The BBC articles with IPTC labels; raises FileNotFoundError when the data is not there."""
    path = Path(folder) / "bbc_news.jsonl"
    examples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            group = row.get("exact_dup_group")
            examples.append(
                Example(
                    id=row["id"],
                    title=row.get("title") or "",
                    text=row["text"],
                    label=BBC_TO_IPTC[row["category"]],
                    group=f"dup:{group}" if group is not None else f"id:{row['id']}",
                )
            )
    return examples


def assign_folds(examples: Sequence[Example], folds: int = FOLDS, seed: int = SEED) -> list[int]:
    """Fold of each example: duplicate groups kept together, classes spread evenly, order from a hash."""
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        groups.setdefault(example.group, []).append(i)
    by_label: dict[str, list[str]] = {}
    for group, members in groups.items():
        by_label.setdefault(examples[members[0]].label, []).append(group)
    fold_of = [0] * len(examples)
    position = 0
    for label in sorted(by_label):
        ordered = sorted(by_label[label], key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
        for group in ordered:
            for i in groups[group]:
                fold_of[i] = position % folds
            position += 1
    return fold_of


# ---- naive Bayes ---------------------------------------------------------------------------------------


@dataclass
class _Matrix:
    """Rows of l2-normalised tf-idf weights in CSR form."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1


def vectorize(features: Sequence[Counter[str]], vocabulary: Sequence[str], idf: np.ndarray) -> _Matrix:
    index = {t: i for i, t in enumerate(vocabulary)}
    rows = [tfidf.weigh(counts, index, idf) for counts in features]
    return _Matrix(
        np.cumsum([0, *(len(ids) for ids, _ in rows)], dtype=np.int64),
        np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, dtype=np.int64),
        np.concatenate([weights for _, weights in rows]) if rows else np.zeros(0),
    )


def fit_model(
    features: Sequence[Counter[str]],
    labels: Sequence[str],
    *,
    min_df: int = MIN_DF,
    max_terms: int = MAX_TERMS,
    alpha: float = ALPHA,
) -> TopicModel:
    """Naive Bayes on tf-idf vectors of `features` (from `model_features`) with IPTC `labels`."""
    vocabulary, idf = tfidf.fit_idf(features, min_df, max_terms)
    matrix = vectorize(features, vocabulary, idf)
    row_of = np.repeat(np.arange(matrix.rows), np.diff(matrix.indptr))
    label_ids = np.array([MODEL_LABELS.index(label) for label in labels])
    sums = np.zeros((len(vocabulary), len(MODEL_LABELS)))
    for j in range(len(MODEL_LABELS)):
        mask = label_ids[row_of] == j
        sums[:, j] = np.bincount(matrix.indices[mask], weights=matrix.data[mask], minlength=len(vocabulary))
    smoothed = sums + alpha
    log_probs = np.log(smoothed) - np.log(smoothed.sum(axis=0, keepdims=True))
    per_label = np.bincount(label_ids, minlength=len(MODEL_LABELS)).astype(np.float64)
    log_prior = np.log(per_label / per_label.sum())
    info = {
        "documents": len(features),
        "terms": len(vocabulary),
        "min_df": min_df,
        "max_terms": max_terms,
        "alpha": alpha,
    }
    return TopicModel(MODEL_LABELS, vocabulary, idf, log_probs, log_prior, None, info)


# ---- calibration ---------------------------------------------------------------------------------------


def _calibration_rows(model: TopicModel, examples: Sequence[Example], taxonomy: Taxonomy) -> list[list[float]]:
    """(model log-odds, keyword evidence, 1.0 if the label is right else 0.0) per example and model label."""
    positions = {label: taxonomy.labels.index(label) for label in model.labels if label in taxonomy.labels}
    rows = []
    for example in examples:
        odds = model.log_odds(example.text, example.title)
        evidence = taxonomy.evidence(example.text, example.title)
        for label, position in positions.items():
            rows.append([odds[label], evidence[position], float(label == example.label)])
    return rows


def fit_calibration(rows: Sequence[Sequence[float]], l2: float = CALIBRATION_L2) -> Calibration:
    """Logistic regression of the label on `Calibration.features`, by Newton's method (exact, deterministic)."""
    x = np.array([[*Calibration.features(odds, evidence), 1.0] for odds, evidence, _ in rows])
    y = np.array([target for _, _, target in rows])
    w = np.zeros(x.shape[1])
    penalty = np.eye(len(w)) * l2 * len(x)
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -500, 500)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty + np.eye(len(w)) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return Calibration(model_weight=_r(w[0]), keyword_weight=_r(w[1]), both_weight=_r(w[2]), bias=_r(w[3]))


def _r(value: float) -> float:
    return float(f"{float(value):.6g}")


def out_of_fold_rows(
    examples: Sequence[Example],
    features: Sequence[Counter[str]],
    taxonomy: Taxonomy,
    folds: int = FOLDS,
    seed: int = SEED,
) -> list[list[float]]:
    fold_of = assign_folds(examples, folds, seed)
    rows: list[list[float]] = []
    for fold in range(folds):
        train = [i for i, f in enumerate(fold_of) if f != fold]
        test = [examples[i] for i, f in enumerate(fold_of) if f == fold]
        model = fit_model([features[i] for i in train], [examples[i].label for i in train])
        rows.extend(_calibration_rows(model, test, taxonomy))
    return rows


def train(examples: Sequence[Example], taxonomy: Taxonomy | None = None, seed: int = SEED) -> TopicModel:
    """The model on all `examples`, calibrated on out-of-fold predictions over the same examples."""
    taxonomy = taxonomy or Taxonomy.load()
    features = [model_features(e.text, e.title) for e in examples]
    model = fit_model(features, [e.label for e in examples])
    model.calibration = fit_calibration(out_of_fold_rows(examples, features, taxonomy, FOLDS, seed))
    model.info.update({"data": "bbc-news", "seed": seed, "folds": FOLDS, "data_sha256": _fingerprint(examples)})
    return model


def _fingerprint(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.id):
        digest.update(f"{e.id}\t{e.label}\t{e.title}\t{e.text}\n".encode())
    return digest.hexdigest()


# ---- cross-validation ----------------------------------------------------------------------------------


@dataclass
class CVResult:
    gold: list[str]
    predicted: list[str]
    fold_of: list[int]

    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted, strict=True)) / len(self.gold)

    def f1(self, label: str) -> float:
        tp = sum(g == p == label for g, p in zip(self.gold, self.predicted, strict=True))
        predicted = sum(p == label for p in self.predicted)
        actual = sum(g == label for g in self.gold)
        return 2 * tp / (predicted + actual) if predicted + actual else 0.0

    def macro_f1(self) -> float:
        labels = sorted(set(self.gold))
        return sum(self.f1(label) for label in labels) / len(labels)

    def fold_accuracies(self) -> list[float]:
        out = []
        for fold in sorted(set(self.fold_of)):
            pairs = [(g, p) for g, p, f in zip(self.gold, self.predicted, self.fold_of, strict=True) if f == fold]
            out.append(sum(g == p for g, p in pairs) / len(pairs))
        return out


def cross_validate(
    examples: Sequence[Example],
    predictor: Callable[[Sequence[Example], Sequence[Counter[str]]], Callable[[Example], str]],
    folds: int = FOLDS,
    seed: int = SEED,
) -> CVResult:
    """Grouped, stratified k-fold CV; `predictor(train_examples, train_features)` returns a classifier."""
    fold_of = assign_folds(examples, folds, seed)
    features = [model_features(e.text, e.title) for e in examples]
    predicted = [""] * len(examples)
    for fold in range(folds):
        train_ids = [i for i, f in enumerate(fold_of) if f != fold]
        classify = predictor([examples[i] for i in train_ids], [features[i] for i in train_ids])
        for i, f in enumerate(fold_of):
            if f == fold:
                predicted[i] = classify(examples[i])
    return CVResult([e.label for e in examples], predicted, fold_of)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train newsbeam's topic model on the BBC news set.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding bbc_news.jsonl")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the artifact")
    parser.add_argument("--check", action="store_true", help="verify the artifact at --output instead of writing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    examples = load_bbc(args.data)
    model = train(examples)
    blob = model.dumps()
    if args.check:
        same = args.output.exists() and TopicModel.loads(args.output.read_bytes()).to_json() == model.to_json()
        print(f"{args.output}: {'matches' if same else 'DIFFERS from'} a fresh training run")
        return 0 if same else 1
    args.output.write_bytes(blob)
    print(f"wrote {args.output} ({len(blob) / 1024:.0f} KiB, {len(model.vocabulary)} terms, {model.calibration})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
