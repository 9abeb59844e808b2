"""Topic accuracy and macro-F1 on the BBC news set (2,225 articles, five classes mapped to IPTC slugs), with
grouped, stratified 5-fold cross-validation (exact duplicates stay in one fold; folds from a fixed seed).

Three figures, each trained only on the four training folds of every split:
  * tagger   - what the pipeline writes as `topic`: the best of all 17 IPTC topics, the model's five
               folded into the keyword scores through a calibration that is itself fitted on inner
               out-of-fold predictions of the training folds (nested, so nothing of the test fold leaks);
  * model    - the naive Bayes model alone, choosing among its five labels;
  * keywords - the keyword taxonomy alone, best of 17 (no training at all).
Also the calibration of the tagger's scores: expected calibration error of the top score, and the accuracy
of articles by top-score band. Target: macro-F1 at least 0.95 for the tagger.

    python bench/quality_topics.py [--show-errors N]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Sequence

from quality_util import data_dir, write_block

from bench import train_topics as tt
from transforms.text.topic_model import model_features
from transforms.text.topics import Taxonomy, TopicScorer, primary_topic

TARGET = 0.95


def model_only(train: Sequence[tt.Example], features: Sequence[Counter[str]]) -> Callable[[tt.Example], str]:
    model = tt.fit_model(features, [e.label for e in train])
    return lambda e: model.predict(e.text, e.title)


def make_tagger(taxonomy: Taxonomy, scored: list[tuple[str, float, str]]):  # type: ignore[no-untyped-def]
    def tagger(train: Sequence[tt.Example], features: Sequence[Counter[str]]) -> Callable[[tt.Example], str]:
        model = tt.fit_model(features, [e.label for e in train])
        # Nested: the calibration sees only out-of-fold predictions within the training folds.
        model.calibration = tt.fit_calibration(tt.out_of_fold_rows(train, features, taxonomy))
        scorer = TopicScorer(taxonomy, model)

        def classify(example: tt.Example) -> str:
            scores = scorer.score(example.text, example.title)
            best = primary_topic(scores)
            scored.append((best, scores[0][1] if scores else 0.0, example.label))
            return best

        return classify

    return tagger


def keywords_only(taxonomy: Taxonomy) -> Callable[[Sequence[tt.Example], Sequence[Counter[str]]], Callable]:  # type: ignore[type-arg]
    return lambda _train, _features: lambda e: primary_topic(taxonomy.score(e.text, e.title))


def calibration_table(scored: list[tuple[str, float, str]]) -> tuple[float, list[str]]:
    """Expected calibration error of the top score (10 equal-width bands) and the populated bands."""
    bands: dict[int, list[tuple[float, bool]]] = {}
    for best, score, gold in scored:
        bands.setdefault(min(int(score * 10), 9), []).append((score, best == gold))
    ece = 0.0
    rows = []
    for band in sorted(bands):
        items = bands[band]
        confidence = sum(s for s, _ in items) / len(items)
        accuracy = sum(ok for _, ok in items) / len(items)
        ece += len(items) / len(scored) * abs(confidence - accuracy)
        label = f"{band / 10:.1f}-{(band + 1) / 10:.1f}"
        rows.append(f"{label}: n={len(items)} mean score {confidence:.3f} acc {accuracy:.3f}")
    return ece, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", type=int, default=0, help="print N misclassified articles of the tagger")
    args = parser.parse_args()
    examples = tt.load_bbc(data_dir("topics", "bbc-news"))
    taxonomy = Taxonomy.load()
    started = time.perf_counter()
    scored: list[tuple[str, float, str]] = []
    tagger = tt.cross_validate(examples, make_tagger(taxonomy, scored))
    model = tt.cross_validate(examples, model_only)
    keywords = tt.cross_validate(examples, keywords_only(taxonomy))
    elapsed = time.perf_counter() - started

    scorer = TopicScorer.load()
    sample = examples[:400]
    t0 = time.perf_counter()
    for e in sample:
        scorer.score(e.text, e.title)
    ms_tagger = (time.perf_counter() - t0) / len(sample) * 1000
    t0 = time.perf_counter()
    for e in sample:
        taxonomy.score(e.text, e.title)
    ms_keywords = (time.perf_counter() - t0) / len(sample) * 1000
    _ = model_features  # the features both the model and the benchmark read

    ece, bands = calibration_table(scored)
    f1 = tagger.macro_f1()
    status = "met" if f1 >= TARGET else f"missed by {TARGET - f1:.3f}"
    folds = ", ".join(f"{a:.3f}" for a in tagger.fold_accuracies())
    wrong = Counter(p for g, p in zip(tagger.gold, tagger.predicted, strict=True) if g != p)
    lines = [
        f"Topics, BBC news ({len(examples)} articles, 5 classes → IPTC slugs), grouped stratified 5-fold CV "
        f"(seed {tt.SEED}): tagger (`topic`, best of 17) **accuracy {tagger.accuracy():.3f}, macro-F1 {f1:.3f}**; "
        f"target macro-F1 ≥ {TARGET} {status}. Fold accuracies {folds}.",
        "",
        f"- model alone (naive Bayes, best of its 5): accuracy {model.accuracy():.3f}, macro-F1 {model.macro_f1():.3f}",
        f"- keywords alone (best of 17, before this model existed): accuracy {keywords.accuracy():.3f}, "
        f"macro-F1 {keywords.macro_f1():.3f}",
        f"- tagger errors by predicted label: {', '.join(f'{label} {n}' for label, n in wrong.most_common())}",
        f"- calibration of the top score: ECE {ece:.3f}; " + "; ".join(bands),
        f"- cost per article: tagger {ms_tagger:.2f} ms, keywords alone {ms_keywords:.2f} ms (CV run {elapsed:.0f} s)",
    ]
    print("\n".join(lines))
    shown = 0
    for example, gold, predicted in zip(examples, tagger.gold, tagger.predicted, strict=True):
        if gold != predicted and shown < args.show_errors:
            print(f"  {example.id}: {gold} → {predicted}  {example.title!r}")
            shown += 1
    write_block("topics", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
