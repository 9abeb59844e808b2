"""Train the article gate's model (`transforms/data/pagekind.json`) on the WCXB dev pages, and measure it
with cross-validation.

    python bench/train_pagekind.py [--folds 5] [--seed 15] [--other-seeds 16,17,18,19] [--cache PATH] [--check]
                                   [--no-write] [--model-only]

One command end to end (about 3 minutes of CPU with a fresh cache, 2 with a valid one); it prints its run time.

Each page goes through what a run reads before its gate decides (`extract.gate_read`: the parsed tree,
trafilatura's main text in its fast mode, the page's facts), then `pagekind.features` and `pagekind.page_words`.
The model is two multinomial logistic regressions over the seven WCXB page types whose logits add: one over the
standardised features, one without bias over the tf-idf weights of the page's words (the words found on pages
of at least `--word-min-sites` training sites; less regularised, `--word-l2`). Each is fitted by full-batch
gradient descent from zero (deterministic: no random start, no sampling); in cross-validation the words'
vocabulary comes from the training folds only.

Cross-validation keeps every site (host without "www.") in one fold, so no page is judged by a model that
saw its site's template, and spreads each page type evenly over the folds. The folds come from a SHA-256
of the seed and the host. The thresholds are chosen on the out-of-fold article probabilities: one for the
pages whose markup says they are articles and one for the rest (`pagekind.evidence_level`), together the
pair that turns away the most non-articles while turning away at most `--article-loss` of all articles;
the vouched bar is the highest that turns away at most `--vouched-article-loss` of the articles (and
no higher than either). The same cross-validation on other fold seeds (`--other-seeds`) is reported beside
it: how much the figure owes to one split of the sites. So is the article pages' text F1 as written with the
cross-validated gate (newsbeam's own extraction of each article page; one turned away scores 0): what the
article budget costs the text on sites the model has not seen. The shipped model is then fitted on all pages.
trafilatura's output per page is cached (`--cache`) so that trying features costs seconds; the cache is
rebuilt when the extraction code (`EXTRACTION_SOURCES`) or trafilatura's version changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import wcxb
from quality_util import ROOT, data_dir, write_block

from transforms.extract import gate_read
from transforms.text import page, pagekind, tfidf

LABELS = ("article", "product", "service", "forum", "listing", "collection", "documentation")
MODEL_PATH = ROOT / "transforms" / "data" / "pagekind.json"
# The code `extract.gate_read` runs: when one of these changes, trafilatura's cached results are stale.
EXTRACTION_SOURCES = [
    ROOT / "transforms" / f for f in ("extract.py", "text/maintext.py", "text/page.py", "text/xpaths.py")
]
DOC_KEYS = ("text",)  # what `pagekind` reads of trafilatura's result (the rest it reads from the page's facts)


@dataclass
class Sample:
    page_id: str
    kind: str
    host: str
    values: dict[str, float]
    error: str | None
    stated: bool  # the page's markup says it is an article (`pagekind.evidence_level`)
    words: Counter[str]  # `pagekind.page_words`
    english: bool  # the words speak for the page (`pagekind.words_read`); else its features alone


def extraction(html: str, url: str | None) -> tuple[Any, dict[str, Any]]:
    """The parsed tree and trafilatura's result as a run's gate sees them (`gate_read`)."""
    read = gate_read(html, url)
    if read is None:
        return page.parse_html(html), {}
    return read.tree, {key: read.doc.get(key) for key in DOC_KEYS}


def extraction_key() -> str:
    """What trafilatura's cached results depend on: newsbeam's extraction code and the libraries' versions."""
    import trafilatura

    digest = hashlib.sha256(trafilatura.__version__.encode())
    for path in EXTRACTION_SOURCES:
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def samples(cache: Path | None) -> tuple[list[Sample], dict[str, dict[str, Any]]]:
    docs: dict[str, dict[str, Any]] = {}
    key = extraction_key()
    if cache is not None and cache.exists():
        stored = pickle.loads(cache.read_bytes())
        if isinstance(stored, dict) and stored.get("key") == key:
            docs = stored["docs"]
    print(f"trafilatura results: {len(docs)} cached, the rest extracted now", file=sys.stderr)
    out = []
    fresh = False
    for item in wcxb.pages():
        html = item.html_bytes().decode("utf-8", "replace")
        if item.page_id in docs:
            tree, doc = page.parse_html(html), docs[item.page_id] or {}
        else:
            tree, doc = extraction(html, item.url)
            docs[item.page_id], fresh = doc, True
        facts = page.page_facts(tree)
        host = (urlsplit(item.url or "").hostname or item.page_id).removeprefix("www.")
        values = pagekind.features(tree, facts, doc, item.url)
        out.append(
            Sample(
                item.page_id,
                item.kind,
                host,
                values,
                pagekind.error_evidence(facts, doc),
                pagekind.evidence_level(facts, doc) == pagekind.STATED,
                pagekind.page_words(item.url, facts.title_tag, facts.h1[0] if facts.h1 else None),
                pagekind.words_read(values),
            )
        )
    if cache is not None and fresh:
        cache.write_bytes(pickle.dumps({"key": key, "docs": docs}))
    return out, docs


def article_text_f1() -> dict[str, float]:
    """WCXB's text F1 of newsbeam's text on each article page (the pipeline's decoding and `extract_html`): what
    an article the gate turns away costs the text written."""
    from quality_wcxb import newsbeam_draft

    scores = {}
    for item in wcxb.pages(["article"]):
        draft = newsbeam_draft(item.html_bytes(), item.url)
        scores[item.page_id] = wcxb.text_f1(item.text, draft.text if draft is not None else None)
    return scores


def cost(model: pagekind.Model, docs: dict[str, dict[str, Any]], limit: int = 300) -> tuple[float, float]:
    """Median and mean CPU milliseconds `classify` takes per page over the first `limit` pages (CPU time
    of this thread, so that other work on the machine does not count)."""
    times = []
    for item in list(wcxb.pages())[:limit]:
        tree = page.parse_html(item.html_bytes().decode("utf-8", "replace"))
        facts = page.page_facts(tree)
        started = time.thread_time()
        pagekind.classify(tree, facts, docs.get(item.page_id) or {}, item.url, model)
        times.append(time.thread_time() - started)
    return float(np.median(times) * 1000), float(np.mean(times) * 1000)


def news_kept(model: pagekind.Model) -> tuple[int, int]:
    """Pages of the ScrapingHub news set (real news from other sites, not used in training) that the gate
    lets through, of those with a main text: the articles it must never turn away."""
    import gzip

    root = data_dir("extraction", "scrapinghub-dev")
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    kept = total = 0
    for page_id, record in sorted(truth.items()):
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")
        tree, doc = extraction(html, record.get("url"))
        if not (doc.get("text") or "").strip():
            continue
        total += 1
        kind = pagekind.classify(tree, page.page_facts(tree), doc, record.get("url"), model)
        kept += kind.kind == "article"
    return kept, total


def folds(data: list[Sample], k: int, seed: int) -> np.ndarray:
    """A fold per sample: whole hosts, in SHA-256 order, each to the fold with fewest pages of its type."""
    by_host: dict[str, list[int]] = defaultdict(list)
    for i, sample in enumerate(data):
        by_host[sample.host].append(i)
    order = sorted(by_host, key=lambda h: hashlib.sha256(f"{seed}:{h}".encode()).hexdigest())
    load = np.zeros((k, len(LABELS)))
    fold = np.zeros(len(data), dtype=int)
    for host in order:
        members = by_host[host]
        kind = Counter(data[i].kind for i in members).most_common(1)[0][0]
        column = LABELS.index(kind)
        target = min(range(k), key=lambda f: (load[f, column], load[f].sum(), f))
        for i in members:
            fold[i] = target
            load[target, LABELS.index(data[i].kind)] += 1
    return fold


def fit(
    x: np.ndarray, y: np.ndarray, l2: float, article_weight: float, steps: int = 3000, standardise: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit softmax regression by gradient descent with Nesterov momentum, on standardised features (a missing
    one at its mean) or, for tf-idf word weights, as they are."""
    if standardise:
        mean = np.nanmean(x, axis=0)
        scale = np.nanstd(x, axis=0)
        scale[scale < 1e-9] = 1.0
    else:
        mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    z = np.nan_to_num((x - mean) / scale)  # a missing feature (NaN: `pagekind.features`) at its mean
    n, d = z.shape
    c = len(LABELS)
    onehot = np.eye(c)[y]
    sample_weight = np.where(y == 0, article_weight, 1.0)
    sample_weight = sample_weight / sample_weight.mean()
    w = np.zeros((c, d))
    b = np.zeros(c)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    rate, momentum = 0.5, 0.9
    for _ in range(steps):
        lw, lb = w + momentum * vw, b + momentum * vb
        logits = z @ lw.T + lb
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_weight[:, None] / n
        gw = g.T @ z + l2 * lw
        gb = g.sum(axis=0)
        vw = momentum * vw - rate * gw
        vb = momentum * vb - rate * gb
        w, b = w + vw, b + vb
    return mean, scale, w, b


def word_matrix(words: list[Counter[str]], index: dict[str, int], idf: np.ndarray) -> np.ndarray:
    """The pages' tf-idf word vectors as `pagekind.Model.word_vector` makes them, as rows."""
    return np.array([tfidf.dense(counts, index, idf) for counts in words]).reshape(len(words), len(idf))


def fit_model(
    data: list[Sample],
    x: np.ndarray,
    y: np.ndarray,
    args: argparse.Namespace,
    thresholds: dict[str, float],
    plain_thresholds: dict[str, float],
) -> pagekind.Model:
    """Both experts on these pages: the features' regression and the words' (vocabulary from these pages)."""
    sites: defaultdict[str, set[str]] = defaultdict(set)
    for sample in data:
        for word in sample.words:
            sites[word].add(sample.host)
    # A word of one site's template (its brand, its section names) says nothing of another site's pages.
    words = [Counter({w: n for w, n in s.words.items() if len(sites[w]) >= args.word_min_sites}) for s in data]
    vocabulary, idf = tfidf.fit_idf(words, 1)
    _, _, word_weights, _ = fit(
        word_matrix(words, {word: i for i, word in enumerate(vocabulary)}, idf),
        y,
        args.word_l2,
        args.article_weight,
        standardise=False,
    )
    mean, scale, w, b = fit(x, y, args.l2, args.article_weight)
    return pagekind.Model(
        LABELS,
        pagekind.FEATURES,
        mean,
        scale,
        w,
        b,
        thresholds,
        plain_thresholds,
        tuple(vocabulary),
        idf,
        word_weights,
    )


def predict(model: pagekind.Model, x: np.ndarray, data: list[Sample] | None) -> np.ndarray:
    """Class probabilities of these pages, as `pagekind.Model.probabilities` gives them: with their words, or
    (`data` None) from their features alone."""
    z = np.nan_to_num((x - model.mean) / model.scale)
    logits = z @ model.weights.T + model.bias
    if data is not None:
        logits += word_matrix([s.words for s in data], model.index, model.idf) @ model.word_weights.T
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def threshold_for(article_scores: np.ndarray, loss: float) -> float:
    """The highest threshold that turns away at most `loss` of the articles (scores below it are turned
    away), rounded down to 3 decimals."""
    ordered = np.sort(article_scores)
    allowed = int(np.floor(loss * len(ordered)))
    value = float(ordered[allowed])  # `allowed` articles lie strictly below this one
    return float(np.floor(value * 1000) / 1000)


def level_thresholds(
    score: np.ndarray, articles: np.ndarray, stated: np.ndarray, loss: float
) -> tuple[dict[str, float], int]:
    """The pair of thresholds (pages with article markup, pages without) that turns away the most
    non-articles while turning away at most `loss` of all articles; ties go to the pair whose losses are
    closest to each level's share of the articles. Also how many articles the first bar turns away."""
    allowed = int(np.floor(loss * articles.sum()))
    share = stated[articles].mean()
    best: tuple[float, float, dict[str, float], int] | None = None
    for k in range(allowed + 1):
        bars = {}
        for level, mask, lost in ((pagekind.STATED, stated, k), (pagekind.UNSTATED, ~stated, allowed - k)):
            ordered = np.sort(score[articles & mask])
            value = float(ordered[lost]) if lost < len(ordered) else 1.0
            bars[level] = float(np.floor(value * 1000) / 1000)
        turned = np.where(stated, score < bars[pagekind.STATED], score < bars[pagekind.UNSTATED])
        if turned[articles].sum() > allowed:
            continue
        rank = (float(turned[~articles].mean()), -abs(k - share * allowed))
        if best is None or rank > best[:2]:
            best = (*rank, bars, k)
    assert best is not None
    return best[2], best[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--l2", type=float, default=0.005)
    parser.add_argument("--word-l2", type=float, default=0.0004, help="L2 of the words' regression")
    parser.add_argument("--word-min-sites", type=int, default=3, help="a word must be on pages of this many sites")
    parser.add_argument("--article-weight", type=float, default=1.0)
    parser.add_argument("--article-loss", type=float, default=0.0195, help="articles turned away, at most")
    parser.add_argument("--vouched-article-loss", type=float, default=0.003)
    parser.add_argument(
        "--other-seeds",
        type=lambda v: [int(s) for s in v.split(",") if s],
        default=[16, 17, 18, 19],
        help="fold seeds whose cross-validation is reported beside --seed's (comma-separated; empty for none)",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsbeam-pagekind-docs.pkl"))
    parser.add_argument("--check", action="store_true", help="fail when the shipped model differs")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--model-only", action="store_true", help="write the model, not the BENCHMARKS.md block")
    args = parser.parse_args(argv)
    started, started_cpu = time.perf_counter(), time.process_time()

    data, docs = samples(args.cache)
    x = np.array([[s.values[name] for name in pagekind.FEATURES] for s in data])
    y = np.array([LABELS.index(s.kind) for s in data])
    errors = np.array([s.error is not None for s in data])
    articles = y == 0
    stated = np.array([s.stated for s in data])
    english = np.array([s.english for s in data])

    def below(score: np.ndarray, bars: dict[str, float]) -> np.ndarray:
        return np.where(stated, score < bars[pagekind.STATED], score < bars[pagekind.UNSTATED])

    def cross_validate(
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float], dict[str, float], np.ndarray]:
        """Out-of-fold probabilities for the folds of `seed`; the article score with the words and without them
        (a page in another language), the bars of each, and what a run turns away (each page by its own score)."""
        fold = folds(data, args.folds, seed)
        oof, plain = np.zeros((len(data), len(LABELS))), np.zeros((len(data), len(LABELS)))
        for f in range(args.folds):
            train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
            model = fit_model([data[i] for i in train], x[train], y[train], args, {}, {})
            oof[test] = predict(model, x[test], [data[i] for i in test])
            plain[test] = predict(model, x[test], None)
        score, plain_score = np.where(errors, 0.0, oof[:, 0]), np.where(errors, 0.0, plain[:, 0])
        bars, _ = level_thresholds(score, articles, stated, args.article_loss)
        plain_bars, _ = level_thresholds(plain_score, articles, stated, args.article_loss)
        turned = np.where(english, below(score, bars), below(plain_score, plain_bars))
        return oof, score, plain_score, bars, plain_bars, turned

    f1 = article_text_f1()
    f1_of_articles = np.array([f1[s.page_id] for s in data if s.kind == "article"])

    def written_f1(turned: np.ndarray) -> float:
        """Text F1 of the article pages as written: an article the gate turns away scores 0."""
        return float(np.mean(f1_of_articles * ~turned[articles]))

    oof, score, plain_score, thresholds, plain, turned = cross_validate(args.seed)
    vouched = min(threshold_for(score[articles], args.vouched_article_loss), *thresholds.values())
    plain[pagekind.VOUCHED] = min(threshold_for(plain_score[articles], args.vouched_article_loss), *plain.values())
    # How much the figure owes to the split of the sites into folds: the same cross-validation on other seeds.
    other_turned = {seed: cross_validate(seed)[-1] for seed in args.other_seeds}
    spread = {seed: float(other[~articles].mean()) for seed, other in other_turned.items()}
    written = [written_f1(turned), *(written_f1(other) for other in other_turned.values())]
    turned_vouched = np.where(english, score < vouched, plain_score < plain[pagekind.VOUCHED])
    lines = [
        f"Article gate (`transforms/text/pagekind.py`, model `transforms/data/pagekind.json`): WCXB dev, {len(data)} "
        f"pages, {args.folds}-fold cross-validation grouped by site, seed {args.seed} "
        "(`python bench/train_pagekind.py`).",
        "",
        "| page type | pages | turned away | turned away, vouched source |",
        "|---|---:|---:|---:|",
    ]
    for label_index, label in enumerate(LABELS):
        mask = y == label_index
        lines.append(f"| {label} | {int(mask.sum())} | {turned[mask].mean():.1%} | {turned_vouched[mask].mean():.1%} |")
    lines.append(
        f"| **all non-articles** | {int((~articles).sum())} | **{turned[~articles].mean():.1%}** "
        f"| {turned_vouched[~articles].mean():.1%} |"
    )
    kind_pred = oof[:, 1:].argmax(axis=1) + 1
    named = (kind_pred == y)[~articles & turned].mean()
    loaded = fit_model(data, x, y, args, {**thresholds, pagekind.VOUCHED: vouched}, plain)
    cost_median, cost_mean = cost(loaded, docs)
    kept, news = news_kept(loaded)
    lines += [
        "",
        f"Thresholds on the article probability: {thresholds[pagekind.STATED]} for a page whose markup says it "
        f"is an article ({int(stated[articles].sum())} articles, {int(stated[~articles].sum())} non-articles; "
        f"{turned[articles & stated].mean():.1%} of those articles turned away), "
        f"{thresholds[pagekind.UNSTATED]} for the rest ({int((articles & ~stated).sum())} articles, "
        f"{int((~articles & ~stated).sum())} non-articles; {turned[articles & ~stated].mean():.1%} of those "
        f"articles turned away), {vouched} for a page its source vouched for. A page in another language "
        f"({int((~english).sum())} of these pages) is judged by the features alone, whose bars are "
        f"{plain[pagekind.STATED]}, {plain[pagekind.UNSTATED]} and {plain[pagekind.VOUCHED]}; over all pages "
        "they would turn away "
        f"{below(plain_score, plain)[~articles].mean():.1%} of non-articles. One threshold for all pages would "
        f"turn away {(score < threshold_for(score[articles], args.article_loss))[~articles].mean():.1%} of "
        f"non-articles. Targets: at least 90% of non-articles turned away (measured {turned[~articles].mean():.1%}), "
        f"at most 2% of articles (measured {turned[articles].mean():.1%}; vouched "
        f"{turned_vouched[articles].mean():.1%}). The kind named for a non-article turned away is WCXB's own "
        f"type for {named:.0%} of them. Error-page rule hits on the set: {int(errors.sum())}. News pages of "
        f"the ScrapingHub set (other sites, not trained on) let through: {kept} of {news}. Cost of "
        f"`classify` (features and model, on the parsed page and trafilatura's result): {cost_median:.2f} ms CPU a "
        f"page (median; mean {cost_mean:.2f} ms).",
    ]
    if spread:
        figures = [turned[~articles].mean(), *spread.values()]
        lines += [
            "",
            "The same cross-validation with the sites split into folds by other seeds (each with its own bars, the "
            "same article budget): "
            + ", ".join(f"{share:.1%} (seed {seed})" for seed, share in spread.items())
            + f" of non-articles turned away; over these {len(figures)} seeds {np.mean(figures):.1%} on average "
            f"(from {min(figures):.1%} to {max(figures):.1%}). Seed {args.seed} is the one the model has always "
            "been reported on.",
        ]
    lines += [
        "",
        f"Text F1 of the {int(articles.sum())} article pages (WCXB word metric) as written with the cross-validated "
        f"gate, an article turned away scoring 0: {written[0]:.3f} (seed {args.seed}; {np.mean(written):.3f} over "
        f"{len(written)} seed{'s' if len(written) > 1 else ''}), against {f1_of_articles.mean():.3f} for the text "
        "extracted from every page. `make bench-quality` reports the shipped gate on the pages it learnt from.",
    ]
    shipped = loaded.to_json()
    shipped["trained_on"] = (
        f"WCXB dev, {len(data)} pages; l2 {args.l2}, words l2 {args.word_l2} (on {args.word_min_sites}+ sites), "
        f"article weight {args.article_weight}"
    )
    text = json.dumps(shipped, indent=1, sort_keys=False) + "\n"
    for line in lines:
        print(line)
    print(
        f"Run time: {time.perf_counter() - started:.0f} s, {time.process_time() - started_cpu:.0f} s CPU.",
        file=sys.stderr,
    )
    if args.check:
        if MODEL_PATH.read_text(encoding="utf-8") != text:
            print("shipped model differs from a rebuild", file=sys.stderr)
            return 1
        return 0
    if not args.no_write:
        MODEL_PATH.write_text(text, encoding="utf-8")
        if not args.model_only:
            write_block("pagekind", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
