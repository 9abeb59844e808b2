"""Topic scoring: the built-in IPTC taxonomy, the taxonomy file format and its validation."""

from __future__ import annotations

import importlib.resources
import math
import pickle
from pathlib import Path

import pytest

from tests.support import UKRAINE_TAXONOMY
from transforms.text import topics
from transforms.text.topics import FALLBACK_TOPIC, Taxonomy, TopicDef, primary_topic

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

IPTC_LABELS = {
    "arts-culture-entertainment-media",
    "conflict-war-peace",
    "crime-law-justice",
    "disaster-accident-emergency-incident",
    "economy-business-finance",
    "education",
    "environment",
    "health",
    "human-interest",
    "labour",
    "lifestyle-leisure",
    "politics",
    "religion",
    "science-technology",
    "society",
    "sport",
    "weather",
}


@pytest.fixture(scope="module")
def iptc() -> Taxonomy:
    return Taxonomy.load()


def seed_texts() -> list[Path]:
    paths = sorted(SEEDS.glob("*.txt"))
    assert len(paths) == 5
    return paths


def labels(scores: list[tuple[str, float]]) -> list[str]:
    return [label for label, _ in scores]


# ---- the built-in taxonomy ---------------------------------------------------------------------------------


def test_builtin_is_the_iptc_top_level(iptc: Taxonomy) -> None:
    assert set(iptc.labels) == IPTC_LABELS
    assert len(iptc) == 17
    for topic in iptc.topics:
        assert topic.name and topic.name != topic.label
        assert topic.parent is None
        assert 40 <= len(topic.terms) <= 120, topic.label
        assert sum(1 for _, weight in topic.terms if weight > 0) >= 40, topic.label
        assert any(" " in term for term, _ in topic.terms), f"{topic.label} has no phrases"


def test_builtin_yaml_ships_as_package_data() -> None:
    resource = importlib.resources.files("transforms").joinpath("data/iptc_topics.yaml")
    assert resource.is_file()
    assert Taxonomy.from_yaml(resource.read_text(encoding="utf-8")).labels == Taxonomy.load().labels


@pytest.mark.parametrize("path", seed_texts(), ids=lambda p: p.name[:3])
def test_seeds_are_about_war_or_politics(iptc: Taxonomy, path: Path) -> None:
    scores = iptc.score(path.read_text(encoding="utf-8"))
    assert primary_topic(scores) in {"conflict-war-peace", "politics"}
    # Both belong among the top topics of these peace-plan stories.
    assert {"conflict-war-peace", "politics"} <= set(labels(scores)[:3])


SHORT_TEXTS = [
    (
        "sport",
        None,
        "Manchester United beat Chelsea 2-1 at Old Trafford on Saturday. The striker scored twice in "
        "the second half and the goalkeeper saved a late penalty, lifting the club to third in the "
        "Premier League.",
    ),
    (
        "sport",
        None,
        "Serena Williams reached the Wimbledon semi-final after a straight-sets victory. The seeded player "
        "will face the defending champion in the tournament on Thursday.",
    ),
    (
        "sport",
        "Olympic champion breaks world record",
        "She crossed the line first in the 100m final, ahead of two team-mates on the podium.",
    ),
    (
        "economy-business-finance",
        None,
        "Shares in the carmaker fell 8% after it reported a drop in quarterly profit and cut its revenue "
        "forecast. Investors worry that tariffs and weak consumer demand will hit sales.",
    ),
    (
        "economy-business-finance",
        None,
        "The central bank raised interest rates by a quarter point to curb inflation, and said economic "
        "growth would slow next year as mortgage costs rise.",
    ),
    (
        "economy-business-finance",
        None,
        "The retailer agreed a $2bn takeover by a private equity firm; shareholders will receive a special "
        "dividend before the merger completes.",
    ),
    (
        "health",
        None,
        "Hospitals are under pressure as flu cases rise. Doctors urge older patients to get the vaccine, and "
        "the health minister announced extra funding for the NHS.",
    ),
    (
        "health",
        None,
        "A new clinical trial found the drug reduced the risk of heart disease in patients with diabetes.",
    ),
    (
        "weather",
        None,
        "Forecasters warned of heavy rain and strong winds this weekend as a storm moves in from the "
        "Atlantic. The Met Office issued an amber warning, with temperatures falling to 2 Celsius.",
    ),
    (
        "weather",
        None,
        "A heatwave will push temperatures above 35 degrees Celsius, with sunny skies and little chance of "
        "showers until a cold front arrives on Sunday.",
    ),
    (
        "science-technology",
        None,
        "The company unveiled a new smartphone with a faster processor and an AI chatbot built into the "
        "software. The device also supports 5G.",
    ),
    (
        "science-technology",
        None,
        "Astronomers using the James Webb telescope found water vapour in the atmosphere of a planet "
        "orbiting a distant star, NASA scientists said.",
    ),
]


@pytest.mark.parametrize(("expected", "title", "text"), SHORT_TEXTS, ids=lambda v: str(v)[:24])
def test_short_texts(iptc: Taxonomy, expected: str, title: str | None, text: str) -> None:
    scores = iptc.score(text, title)
    assert primary_topic(scores) == expected, scores
    assert dict(scores)[expected] >= 0.3


def test_scores_are_sorted_bounded_and_multi_label(iptc: Taxonomy) -> None:
    for path in seed_texts():
        scores = iptc.score(path.read_text(encoding="utf-8"))
        assert 1 <= len(scores) <= topics.MAX_TOPICS
        values = [score for _, score in scores]
        assert values == sorted(values, reverse=True)
        assert all(topics.MIN_SCORE <= v <= 1.0 for v in values)
        assert len(set(labels(scores))) == len(scores)
    # Independent scores, not a distribution: two strong topics can both be high.
    seed_000 = dict(iptc.score((SEEDS / "000_a36a2d63ccc73221.txt").read_text(encoding="utf-8")))
    assert seed_000["politics"] + seed_000["conflict-war-peace"] > 1.0


def test_nothing_matched_is_uncategorized(iptc: Taxonomy) -> None:
    assert iptc.score("") == []
    assert iptc.score("   \n ") == []
    assert iptc.score("Lorem ipsum dolor sit amet, consectetur adipiscing elit.") == []
    assert primary_topic([]) == FALLBACK_TOPIC == "uncategorized"


def test_primary_topic_is_the_best_label_in_any_order() -> None:
    assert primary_topic([("sport", 0.2), ("weather", 0.7), ("health", 0.4)]) == "weather"


def test_title_matches_weigh_more_than_body_matches(iptc: Taxonomy) -> None:
    body = "Officials met on Monday to discuss what comes next for the region and its people. " * 3
    in_title = dict(iptc.score(body, title="Ceasefire holds"))
    in_body = dict(iptc.score(body + " Ceasefire holds."))
    assert in_title["conflict-war-peace"] > in_body["conflict-war-peace"]


def test_long_texts_do_not_saturate(iptc: Taxonomy) -> None:
    filler = "The committee met again on Monday and will meet again next week to continue. "
    short = dict(iptc.score("Inflation rose again. " + filler))
    long = dict(iptc.score("Inflation rose again. " + filler * 40))
    assert long.get("economy-business-finance", 0.0) < short["economy-business-finance"]
    # A long text that keeps talking about one topic still scores below 1.
    many = dict(iptc.score("Inflation and interest rates worry the central bank. " * 300))
    assert many["economy-business-finance"] < 0.999


def test_only_the_leading_words_are_read() -> None:
    tax = Taxonomy.load(max_words=50)
    filler = "word " * 60
    assert tax.score(filler + "football football football") == []
    assert primary_topic(tax.score("football football football " + filler)) == "sport"
    everything = Taxonomy.load(max_words=None)
    assert primary_topic(everything.score(filler + "football football football")) == "sport"
    with pytest.raises(ValueError, match="max_words"):
        Taxonomy.load(max_words=0)


def test_negative_weights_push_back(iptc: Taxonomy) -> None:
    war = dict(iptc.score("Supermarkets are locked in a war over customers."))
    price_war = dict(iptc.score("Supermarkets are locked in a price war over customers."))
    assert price_war.get("conflict-war-peace", 0.0) < war.get("conflict-war-peace", 0.0)
    price_war_primary = primary_topic(iptc.score("Supermarkets are locked in a price war over customers."))
    assert price_war_primary != "conflict-war-peace"


def test_a_function_word_of_the_texts_language_is_no_evidence(iptc: Taxonomy) -> None:
    # German "war" is "was": the English keyword "war" read it as conflict in German diaries and reviews.
    german = "Es war ein schöner Tag. Das Wetter war warm, und der Abend war lang. Es war gut."
    assert "conflict-war-peace" in dict(iptc.score(german))  # read as English, as before
    assert "conflict-war-peace" not in dict(iptc.score(german, language="de"))
    english = "The war went on. Troops and artillery moved as the war spread; a ceasefire failed."
    assert primary_topic(iptc.score(english, language="en")) == "conflict-war-peace"
    german_war = "Der Krieg in der Ukraine: Soldaten und Artillerie rückten vor. Der Krieg war nicht vorbei."
    assert iptc.score(german_war, language="de") == iptc.score(german_war.replace(" war ", " ist "), language="de")


def test_pickles_for_beam(iptc: Taxonomy) -> None:
    text = (SEEDS / "001_fab9527af4f6b0ab.txt").read_text(encoding="utf-8")
    iptc.score(text)  # fill the memo; it is left out of the pickle
    clone = pickle.loads(pickle.dumps(iptc))
    assert clone.score(text) == iptc.score(text)
    assert clone.labels == iptc.labels


# ---- matching ----------------------------------------------------------------------------------------------

MATCHING_YAML = """
- label: peace
  name: Peace
  keywords: {peace plan: 2, cease-fire: 2, negotiat*: 1, u.s. envoy: 2}
- label: markets
  keywords: {stock market: 1, stock market crash: 1, market crash: 1}
"""


@pytest.fixture(scope="module")
def small() -> Taxonomy:
    return Taxonomy.from_yaml(MATCHING_YAML)


def test_phrases_ignore_case_and_punctuation(small: Taxonomy) -> None:
    texts = ["The PEACE PLAN holds.", "a peace-plan", "“Peace plan”", "peace\n plan", "the cease fire"]
    for text in texts:
        assert labels(small.score(text)) == ["peace"], text
    assert labels(small.score("The U.S. envoy arrived.")) == ["peace"]
    assert labels(small.score("The US envoy arrived.")) == []  # "us envoy" is not "u s envoy"


def test_each_phrase_occurrence_counts_once(small: Taxonomy) -> None:
    def peace(text: str) -> float:
        return small.evidence(text)[small.labels.index("peace")]

    # Same number of words, one occurrence each: a free-standing dash must not count it twice.
    assert peace("The — peace plan.") == pytest.approx(peace("The big peace plan."))
    # Three occurrences against one, in seven words each: body counts are damped by 1 + ln(n).
    three = peace("“Peace plan” and (peace-plan) and PEACE PLAN")
    one = peace("The peace plan was not ready today")
    assert three == pytest.approx(one * (1 + math.log(3)))


def test_phrases_match_whole_words_only(small: Taxonomy) -> None:
    assert small.score("Peace planning continued.") == []
    assert small.score("They sought peace. Planes flew over.") == []


def test_prefix_keywords(small: Taxonomy) -> None:
    for word in ["negotiations", "Negotiators", "negotiate", "renegotiate"]:
        expected = ["peace"] if word.lower().startswith("negotiat") else []
        assert labels(small.score(f"Two sides. {word} went on. " * 3)) == expected, word


def test_overlapping_phrases_all_count(small: Taxonomy) -> None:
    markets = small.labels.index("markets")
    crash = small.evidence("a stock market crash")[markets]
    rally = small.evidence("a stock market rally")[markets]
    # "stock market", "stock market crash" and "market crash" all occur in the first, one in the second.
    assert rally > 0
    assert crash == pytest.approx(3 * rally)


# ---- the file format and its validation --------------------------------------------------------------------


def test_user_taxonomy_tags_seed_001(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(UKRAINE_TAXONOMY, encoding="utf-8")
    tax = Taxonomy.load(str(path))
    assert len(tax) == 18
    assert tax.get("ukraine-peace-talks") == TopicDef(
        label="ukraine-peace-talks",
        name="Ukraine peace talks",
        parent="conflict-war-peace",
        terms=(
            ("peace plan", 3.0),
            ("20-point plan", 3.0),
            ("witkoff", 2.0),
            ("dmitriev", 2.0),
            ("kushner", 1.5),
            ("security guarantees", 2.0),
            ("negotiat*", 1.0),
        ),
    )
    scores = tax.score((SEEDS / "001_fab9527af4f6b0ab.txt").read_text(encoding="utf-8"))
    assert "ukraine-peace-talks" in labels(scores)
    assert dict(scores)["ukraine-peace-talks"] >= 0.5
    # An unrelated story does not get the new topic.
    sport = tax.score(SHORT_TEXTS[0][2])
    assert "ukraine-peace-talks" not in labels(sport)


def test_user_taxonomy_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "- label: ukraine-peace-talks\n  keywords: {peace plan: 3, witkoff: 2, dmitriev: 2}\n",
        encoding="utf-8",
    )
    tax = Taxonomy.load(str(path))
    assert tax.labels == ("ukraine-peace-talks",)
    assert tax.get("ukraine-peace-talks").name == "ukraine-peace-talks"  # type: ignore[union-attr]
    text = (SEEDS / "001_fab9527af4f6b0ab.txt").read_text(encoding="utf-8")
    assert primary_topic(tax.score(text)) == "ukraine-peace-talks"
    assert primary_topic(tax.score(SHORT_TEXTS[0][2])) == FALLBACK_TOPIC


def test_extends_merges_keywords_into_a_builtin_topic() -> None:
    yaml_text = "extends: iptc\ntopics:\n  - label: sport\n    keywords: {quidditch: 3, football*: 0}\n"
    tax = Taxonomy.from_yaml(yaml_text)
    assert len(tax) == 17
    sport = tax.get("sport")
    assert sport is not None and sport.name == "Sport"
    assert ("quidditch", 3.0) in sport.terms
    assert primary_topic(tax.score("Quidditch quidditch quidditch.")) == "sport"
    assert tax.score("Footballers") == []  # weight 0 switched the built-in keyword off


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: No label\n  keywords: {a: 1}\n", "missing `label`"),
        ("- label: x\n  keywords: {a: 1}\n  colour: red\n", r"unknown key\(s\) \['colour'\]"),
        ("- label: x\n  keywords: {a: one}\n", "weight of keyword 'a' must be a number"),
        ("- label: x\n  keywords: {a: true}\n", "weight of keyword 'a' must be a number"),
        ("- label: x\n  keywords: {a: [1]}\n", "must be a number"),
        ("- label: x\n  keywords: {a: .nan}\n", "must be a number"),
        ("- label: x\n", "missing `keywords`"),
        ("- label: x\n  keywords: [a, b]\n", "`keywords` must be a mapping"),
        ("- label: x\n  keywords: {a: -1}\n", "no keyword with a positive weight"),
        ("- label: x\n  keywords: {}\n", "no keyword with a positive weight"),
        ("- label: Not A Slug\n  keywords: {a: 1}\n", "lower-case slug"),
        ("- label: a/b\n  keywords: {a: 1}\n", "lower-case slug"),
        ("- label: 7\n  keywords: {a: 1}\n", "lower-case slug"),
        ("- label: x\n  name: ''\n  keywords: {a: 1}\n", "`name` must be a non-empty string"),
        ("- label: x\n  parent: nowhere\n  keywords: {a: 1}\n", "unknown parent 'nowhere'"),
        (
            "- {label: a, parent: b, keywords: {x: 1}}\n- {label: b, parent: a, keywords: {y: 1}}\n",
            "parent cycle",
        ),
        ("- {label: x, keywords: {a: 1}}\n- {label: x, keywords: {b: 1}}\n", "'x' is defined twice"),
        ("- label: uncategorized\n  keywords: {a: 1}\n", "reserved"),
        ("- label: x\n  keywords: {a: 1, a: 2}\n", "duplicate key 'a'"),
        ("- label: x\n  keywords: {Cease-fire: 1, cease fire: 2}\n", "same after normalisation"),
        ("- label: x\n  keywords: {'!!': 1}\n", "no letters or digits"),
        ("- label: x\n  keywords: {peace*plan: 1}\n", "only allowed at the end"),
        ("- label: x\n  keywords: {peace pl*: 1}\n", "a prefix must be one word"),
        ("- label: x\n  keywords: {ab*: 1}\n", "at least 3 characters"),
        ("- label: x\n  keywords: {1: 1}\n", "must be a string"),
        ("- just a string\n", "expected a mapping"),
        ("label: x\nkeywords: {a: 1}\n", r"unknown top-level key\(s\)"),
        ("topics: {label: x}\n", "`topics` must be a list"),
        ("extends: other\ntopics: []\n", "`extends` must be 'iptc'"),
        ("[]\n", "has no topics"),
        ("just text\n", "expected a list of topics"),
        ("- label: x\n  keywords: {a: 1\n", "not valid YAML"),
    ],
)
def test_validation_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Taxonomy.from_yaml(text, origin="my.yaml")


def test_validation_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("- label: x\n  keywords: {a: heavy}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml: topic 'x': weight of keyword 'a'"):
        Taxonomy.load(str(path))


# ---- the trained model and the pipeline's scorer ----------------------------------------------------------

from bench import train_topics  # noqa: E402
from transforms.text.topic_model import MODEL_LABELS, TopicModel, model_features  # noqa: E402
from transforms.text.topics import TopicScorer  # noqa: E402

BBC = Path(__file__).resolve().parents[2] / "shared" / "data" / "topics" / "bbc-news"


@pytest.fixture(scope="module")
def scorer() -> TopicScorer:
    return TopicScorer.load()


@pytest.mark.parametrize("path", seed_texts(), ids=lambda p: p.name[:3])
def test_scorer_tags_seeds_war_or_politics(scorer: TopicScorer, path: Path) -> None:
    scores = scorer.score(path.read_text(encoding="utf-8"))
    assert primary_topic(scores) in {"conflict-war-peace", "politics"}
    assert {"conflict-war-peace", "politics"} <= set(labels(scores)[:3]), scores


@pytest.mark.parametrize(("expected", "title", "text"), SHORT_TEXTS, ids=lambda v: str(v)[:24])
def test_scorer_short_texts_inside_and_outside_the_models_labels(
    scorer: TopicScorer, expected: str, title: str | None, text: str
) -> None:
    # Weather and health are not model labels: the model must not pull them into one of its five.
    scores = scorer.score(text, title)
    assert primary_topic(scores) == expected, scores
    assert dict(scores)[expected] >= 0.5


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Die Regierung hat beschlossen."],
)
def test_scorer_without_evidence_says_nothing(scorer: TopicScorer, text: str) -> None:
    assert primary_topic(scorer.score(text)) == FALLBACK_TOPIC


def test_scorer_scores_are_bounded_sorted_and_multi_label(scorer: TopicScorer) -> None:
    for path in seed_texts():
        scores = scorer.score(path.read_text(encoding="utf-8"))
        values = [s for _, s in scores]
        assert values == sorted(values, reverse=True) and all(topics.MIN_SCORE <= v < 1.0 for v in values)
        assert len(scores) <= topics.MAX_TOPICS
    both = dict(scorer.score((SEEDS / "004_46723dfe6c79f676.txt").read_text(encoding="utf-8")))
    assert both["conflict-war-peace"] + both["politics"] > 1.0  # independent scores, not a distribution


def test_scorer_with_a_user_taxonomy(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "extends: iptc\ntopics:\n  - label: ukraine-peace-talks\n    parent: conflict-war-peace\n"
        "    keywords: {peace plan: 3, 20-point plan: 3, witkoff: 2, dmitriev: 2, negotiat*: 1}\n",
        encoding="utf-8",
    )
    scorer = TopicScorer.load(str(path))
    assert len(scorer.labels) == 18 and scorer.model is not None
    scores = dict(scorer.score((SEEDS / "001_fab9527af4f6b0ab.txt").read_text(encoding="utf-8")))
    assert scores["ukraine-peace-talks"] >= 0.5
    # A taxonomy of the user's own (no IPTC labels): keywords alone, the model has nothing to add to.
    own = tmp_path / "own.yaml"
    own.write_text("- label: ukraine-peace-talks\n  keywords: {peace plan: 3, witkoff: 2}\n", encoding="utf-8")
    alone = TopicScorer.load(str(own))
    assert alone.labels == ("ukraine-peace-talks",)
    text = (SEEDS / "001_fab9527af4f6b0ab.txt").read_text(encoding="utf-8")
    assert alone.score(text) == alone.taxonomy.score(text)


def test_scorer_pickles_for_beam(scorer: TopicScorer) -> None:
    text = (SEEDS / "002_5dbc7340132de969.txt").read_text(encoding="utf-8")
    assert pickle.loads(pickle.dumps(scorer)).score(text) == scorer.score(text)


def test_model_artifact_ships_small_and_whole() -> None:
    resource = importlib.resources.files("transforms").joinpath("data/topic_model.json.gz")
    blob = resource.read_bytes()
    assert len(blob) < 2 * 1024 * 1024
    model = TopicModel.loads(blob)
    assert model.labels == MODEL_LABELS and set(MODEL_LABELS) <= IPTC_LABELS
    assert model.calibration is not None and len(model.vocabulary) > 10_000
    assert model.info["data"] == "bbc-news" and model.info["seed"] == train_topics.SEED
    assert model.dumps() == blob or TopicModel.loads(model.dumps()).to_json() == model.to_json()


def test_model_reads_lower_case_words_only() -> None:
    counts = model_features("Russia said the Kremlin would study the peace plan.", "Talks on Kremlin plan")
    assert "russia" not in counts and "kremlin" not in counts
    assert counts["peace plan"] == 1 and counts["plan"] == 1 + 2  # the title counts twice
    assert counts["talks"] == 2  # a title's first word is no name


def test_model_predicts_sport_and_business() -> None:
    model = TopicModel.load()
    assert model.predict("The striker scored twice and the goalkeeper saved a penalty in the league match.") == "sport"
    assert model.predict("Shares fell after the firm cut its profit forecast and investors sold the stock.") == (
        "economy-business-finance"
    )


def test_calibration_fit_is_exact_and_monotone() -> None:
    # More model belief or more keyword evidence never lowers a score.
    model = TopicModel.load()
    calibration = model.calibration
    assert calibration is not None
    low, high = calibration.score(-3.0, 2.0), calibration.score(3.0, 2.0)
    assert low < high
    assert calibration.score(3.0, 1.0) < calibration.score(3.0, 10.0)
    assert calibration.score(-30.0, 0.0) < topics.MIN_SCORE  # no evidence at all: not reported


# ---- training: reproducible, honest folds (needs ../shared/data; fails when it is missing) ----------------


@pytest.fixture(scope="module")
def bbc() -> list[train_topics.Example]:
    assert BBC.is_dir(), f"evaluation data missing: {BBC}"
    return train_topics.load_bbc(BBC)


def test_folds_keep_duplicate_groups_together_and_classes_spread(bbc: list[train_topics.Example]) -> None:
    folds = train_topics.assign_folds(bbc)
    assert folds == train_topics.assign_folds(bbc)  # deterministic
    by_group: dict[str, set[int]] = {}
    for example, fold in zip(bbc, folds, strict=True):
        by_group.setdefault(example.group, set()).add(fold)
    assert all(len(f) == 1 for f in by_group.values())
    assert sum(1 for g in by_group if g.startswith("dup:")) > 50
    for label in MODEL_LABELS:
        sizes = [sum(1 for e, f in zip(bbc, folds, strict=True) if e.label == label and f == k) for k in range(5)]
        assert max(sizes) - min(sizes) <= 6, (label, sizes)  # duplicate groups move whole


def test_retraining_rebuilds_the_shipped_model(bbc: list[train_topics.Example]) -> None:
    shipped = TopicModel.load()
    fresh = train_topics.train(bbc)
    assert fresh.vocabulary == shipped.vocabulary
    assert fresh.to_json() == shipped.to_json()
