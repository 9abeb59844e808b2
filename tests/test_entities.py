"""Rule-based named entities: people (PER), organisations (ORG) and places (LOC)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.article import Entity
from transforms.text.entities import _BREAK_OR_TOKEN, _SENTENCE, _TOKEN, LOC, ORG, PER, EntityRecognizer, Gazetteer

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def ner() -> EntityRecognizer:
    return EntityRecognizer()


def found(ner: EntityRecognizer, text: str, language: str = "en") -> set[tuple[str, str]]:
    return {(e.text, e.label) for e in ner.extract(text, language)}


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# ---- the rules, one at a time -----------------------------------------------------------------------------


# Each entity marked where it stands, `[name|LABEL]`: the name is written once, in its sentence.
MARKED = re.compile(r"\[(?P<name>[^|\]]+)\|(?P<label>PER|ORG|LOC)\]")
RULES = {
    "known places and organisations": "Delegates from the [European Union|ORG] met [NATO|ORG] officials in "
    "[Geneva|LOC] and flew on to [Buenos Aires|LOC].",
    "a title splits a run and marks a person": "The talks were led by [US|LOC] President [Donald Trump|PER] and "
    "envoy [Steve Witkoff|PER] on Sunday.",
    "a verb of saying marks a person": "The plan is a nonstarter, said [Georgi Bovt|PER], an analyst. Later "
    "[Kirsty Wark|PER] told viewers the same.",
    "a given name marks a person": "A statement from [Keir Starmer|PER] followed on Monday.",
    "organisation words": "Shares in [Acme Holdings|ORG] fell after the [Ministry of Finance|ORG] and the "
    "[Bank of England|ORG] spoke.",
    "place words and acronyms spelt out": "Protesters gathered on [Maidan Square|LOC] while investigators from "
    "the [National Anti-Corruption Bureau|ORG] ([NABU|ORG]) searched offices. [NABU|ORG] gave no comment.",
    "an acronym spelt out after it": "The [EPA|ORG] and the [NTSB|ORG] ([National Transportation Safety Board|ORG]) "
    "met.",
    "an acronym that speaks": "The jet was airworthy, the [NTSB|ORG] said, though an AI said otherwise.",
    "places known by their abbreviations": "She moved from the [U.K.|LOC] to [NYC|LOC], not to [D.C.|LOC].",
    "an initial or a title's full stop ends no sentence": "[John F. Kennedy|PER] met [George W. Bush|PER] "
    "and Dr. [Jane Goodall|PER].",
    "a sentence may open with a German or French quote": "So sprach Direktor Dr. [Andreas Knieriem|PER]. „Und "
    "wir müssen handeln.“",
    "possessives and hyphenated tails": "[Ukraine|LOC]'s army repelled a [US|LOC]-backed plan's critics, and "
    "[Kyiv|LOC]’s mayor agreed.",
}


@pytest.mark.parametrize("marked", RULES.values(), ids=RULES.keys())
def test_rule_finds_exactly(ner: EntityRecognizer, marked: str) -> None:
    text = MARKED.sub(r"\g<name>", marked)
    expected = {(m["name"], m["label"]) for m in MARKED.finditer(marked)}
    assert expected and "[" not in text, "every entity is marked as [name|LABEL]"
    assert found(ner, text) == expected


def test_surnames_fold_into_the_full_name(ner: EntityRecognizer) -> None:
    text = "Russian President Vladimir Putin spoke on Monday. Putin said the talks would go on. Putin left."
    entities = ner.extract(text, "en")
    assert entities == [Entity("Vladimir Putin", PER)]


def test_sentence_openers_and_lone_capitalised_words_are_not_entities(ner: EntityRecognizer) -> None:
    text = (
        "Officials met on Monday. However, Figures published in March showed a rise. The Lord of the Rings sold well."
    )
    assert found(ner, text) == set()


def test_words_in_capitals_are_organisations_only_when_known_or_explained(ner: EntityRecognizer) -> None:
    text = (
        "FREE delivery for NASA staff. NOTE: the IT desk and the TV crew of the OSCE met in Chapter II. "
        "Read this HERE, said the WHO. The CEO said AI, API and SEO tools cut costs; see the PDF or the FAQ. "
        "Search Engine Optimization (SEO) is a term, not an organisation."
    )
    assert found(ner, text) == {("NASA", ORG), ("OSCE", ORG), ("WHO", ORG)}
    assert found(ner, "JETZT erst recht: die Polizei und die SPD HIER in Berlin.", "de") == {
        ("SPD", ORG),
        ("Berlin", LOC),
    }


def test_a_role_is_not_a_name(ner: EntityRecognizer) -> None:
    assert ("Salford MP", PER) not in found(ner, "Islam was misused, the Salford MP told the committee.")


def test_punctuation_ends_a_name(ner: EntityRecognizer) -> None:
    text = "Photo: Russian President Vladimir Putin (Getty Images). Peskov, Ushakov and Dmitriev attended."
    assert ("Vladimir Putin", PER) in found(ner, text)
    assert not any("Getty" in name or "," in name for name, _ in found(ner, text))


def test_tokens() -> None:
    text = "U.S.-backed forces, O'Neill's men (J.R. Smith) met Mr. Putin’s aide at 3.5 p.m. AT&T x.-y a..b “Kyiv” —"
    assert _TOKEN.findall(text) == [
        "U.S.", "backed", "forces", ",", "O'Neill's", "men", "(", "J.R.", "Smith", ")", "met", "Mr.", "Putin’s",
        "aide", "at", "3.5", "p.m.", "AT&T", "x.", "y", "a.", "b", "“", "Kyiv", "”", "—",
    ]  # fmt: skip
    assert _TOKEN.findall("rock-'n'-roll _a a_b Dr.. A.B.C. a-.b 1.2.3") == [
        "rock", "n", "roll", "a", "a_b", "Dr.", "A.B.C.", "a", "b", "1.2.3",
    ]  # fmt: skip


def test_german_keeps_known_names_only_for_single_words(ner: EntityRecognizer) -> None:
    text = "Die Bundesregierung in Berlin hat am Mittwoch das Gesetz beschlossen, sagte Bundeskanzler Olaf Scholz."
    names = found(ner, text, "de")
    assert ("Berlin", LOC) in names
    assert not any(name in {"Bundesregierung", "Mittwoch", "Gesetz"} for name, _ in names)


def test_ranked_by_mentions_then_first_mention(ner: EntityRecognizer) -> None:
    text = "Paris hosted Rome. Rome answered Paris. Paris closed the talks in Madrid."
    assert [e.text for e in ner.extract(text, "en")] == ["Paris", "Rome", "Madrid"]


def test_limit_and_empty_input(ner: EntityRecognizer) -> None:
    assert ner.extract("", "en") == []
    many = " ".join(f"Delegates from {c} arrived." for c in ["France", "Spain", "Italy", "Greece", "Chile"])
    assert len(ner.extract(many, "en", limit=3)) == 3


# ---- on the seeds: what a reader would list --------------------------------------------------------------

SEED_ENTITIES = {
    "000": {
        ("Vladimir Putin", PER),
        ("Donald Trump", PER),
        ("Steve Witkoff", PER),
        ("Jared Kushner", PER),
        ("Volodymyr Zelenskyy", PER),
        ("Kremlin", ORG),
        ("Bloomberg", ORG),
        ("NATO", ORG),
        ("European Union", ORG),
        ("Ukraine", LOC),
        ("Russia", LOC),
        ("Moscow", LOC),
        ("Florida", LOC),
    },
    "002": {
        ("Dmitry Peskov", PER),
        ("Kirill Dmitriev", PER),
        ("Vladimir Putin", PER),
        ("Kremlin", ORG),
        ("Washington", LOC),
        ("Zaporizhzhia Nuclear Power Plant", ORG),
    },
    "004": {
        ("Vladimir Putin", PER),
        ("Volodymyr Zelenskiy", PER),
        ("NATO", ORG),
        ("Kursk", LOC),
        ("Crimea", LOC),
        ("Istanbul", LOC),
    },
}


@pytest.mark.parametrize("prefix", sorted(SEED_ENTITIES))
def test_seed_entities(ner: EntityRecognizer, prefix: str) -> None:
    names = found(ner, seed(prefix))
    assert SEED_ENTITIES[prefix] <= names, SEED_ENTITIES[prefix] - names
    # Nothing found is a common word or carries punctuation.
    for name, label in names:
        assert label in {PER, ORG, LOC}
        assert name[0].isupper() and "," not in name and "(" not in name


def test_every_label_is_one_of_three_and_names_are_unique(ner: EntityRecognizer) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        entities = ner.extract(path.read_text(encoding="utf-8"), "en")
        assert len({e.text for e in entities}) == len(entities)
        assert {e.label for e in entities} <= {PER, ORG, LOC}


def test_gazetteer_ships_as_package_data() -> None:
    gazetteer = Gazetteer.load()
    assert gazetteer.names[("Ukraine",)] == LOC and gazetteer.names[("NATO",)] == ORG
    assert ("President",) in gazetteer.titles and "Vladimir" in gazetteer.given_names


# ---- the one scan for sentences and tokens -----------------------------------------------------------------

# What decides where a sentence ends and a token does: ends of sentences, quotes and brackets after them,
# abbreviations and initials, words with inner marks, digits, line ends.
SCAN_PIECES = [
    "Putin",
    "said",
    "the",
    "U.S.",
    "Mr.",
    "O'Neill's",
    "US-backed",
    "3.5",
    "élan",
    "x",
    ".",
    "!",
    "?",
    "...",
    '"',
    "“",
    "”",
    "‘",
    "’",
    "(",
    ")",
    "[",
    ",",
    "—",
    "«",
    "&",
    " ",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SCAN_PIECES), max_size=60).map("".join))
@example('He left." Then “Mr. Putin” said (U.S.) no!\n\n"Yes?" ’ok’ ) 3.5 x.’ Done.')
def test_one_scan_finds_the_tokens_of_each_sentence(text: str) -> None:
    """`extract` reads sentences and tokens in one scan; it finds what splitting into sentences and then
    into tokens finds (the plain form, as the specification)."""
    sentences: list[list[str]] = [[]]
    for found in _BREAK_OR_TOKEN.findall(text):
        if found[-1].isspace():
            sentences.append([])
        else:
            sentences[-1].append(found)
    assert sentences == [_TOKEN.findall(sentence) for sentence in _SENTENCE.split(text)]
