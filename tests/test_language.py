"""Language detection with py3langid, the short-text cut-off and source hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.text import language
from transforms.text.language import detect_language

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

SAMPLES = {
    "en": " ".join(
        [
            "Russia plans to push for revisions to the latest peace plan aimed at ending the war,",
            "according to people familiar with the talks.",
        ]
    ),
    "de": " ".join(
        [
            "Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer Energien",
            "beschlossen, teilte das Ministerium mit.",
        ]
    ),
    "fr": " ".join(
        [
            "Le gouvernement a présenté mercredi un projet de loi visant à réformer le système des",
            "retraites, a annoncé le ministère.",
        ]
    ),
    "uk": " ".join(
        [
            "Президент України заявив, що мирний план має враховувати інтереси українського народу",
            "та гарантії безпеки.",
        ]
    ),
}

# Names only: real letters, but no language to speak of.
NAMES = "Zelenskyy Putin Trump Witkoff Kushner Dmitriev"


@pytest.mark.parametrize(("expected", "text"), SAMPLES.items())
def test_detects_language(expected: str, text: str) -> None:
    code, probability = detect_language(text)
    assert code == expected
    assert 0.5 < probability <= 1.0


def test_seeds_are_english() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        code, probability = detect_language(path.read_text(encoding="utf-8"))
        assert code == "en", path.name
        assert probability > 0.9


def test_upper_case_dateline_text() -> None:
    assert detect_language(SAMPLES["en"].upper())[0] == "en"


@pytest.mark.parametrize("text", ["", "   ", "Hi there", "12345 678 90 -- 2025-12-20", "OK. Yes. No."])
def test_too_little_text_is_none(text: str) -> None:
    assert detect_language(text) == (None, 0.0)


def test_short_text_takes_a_valid_hint() -> None:
    assert detect_language("Hi there", "de") == ("de", 0.0)
    assert detect_language("Hi there", "pt-BR") == ("pt", 0.0)
    assert detect_language("Hi there", "EN_gb") == ("en", 0.0)
    assert detect_language("Hi there", "xx") == (None, 0.0)
    assert detect_language("Hi there", "english") == (None, 0.0)


def test_hint_wins_only_when_the_model_is_unsure() -> None:
    unhinted, probability = detect_language(NAMES)
    assert probability < language.UNSURE_BELOW, "precondition: the model cannot tell from names alone"
    code, hinted_probability = detect_language(NAMES, "uk")
    assert code == "uk"
    assert 0.0 <= hinted_probability <= probability
    # A confident detection overrides a wrong hint.
    assert detect_language(SAMPLES["de"], "en")[0] == "de"
    # An invalid hint changes nothing.
    assert detect_language(NAMES, "zz") == (unhinted, probability)


def test_only_the_start_of_long_texts_is_classified() -> None:
    text = SAMPLES["fr"] * 20 + SAMPLES["de"] * 200
    assert len(text) > 10 * language.SAMPLE_CHARS
    assert detect_language(text)[0] == "fr"


def test_identifier_is_built_once() -> None:
    detect_language(SAMPLES["en"])
    first = language._get_identifier()
    detect_language(SAMPLES["de"])
    assert language._get_identifier() is first


class _Model:
    """Stands in for py3langid: answers `label` for a sample of up to `QUICK_CHARS`, with `quick` certainty,
    and `full` for a longer one; records the length of every sample it is asked about."""

    def __init__(self, quick: tuple[str, float], full: tuple[str, float]) -> None:
        self.quick, self.full = quick, full
        self.asked: list[int] = []

    def classify(self, sample: str) -> tuple[str, float]:
        self.asked.append(len(sample))
        return self.quick if len(sample) <= language.QUICK_CHARS else self.full


def test_a_sure_start_settles_the_language_and_an_unsure_one_reads_the_whole_sample() -> None:
    sample = language._sample(SAMPLES["de"] * 40)
    assert len(sample) > language.QUICK_CHARS
    sure = _Model(("de", language.SURE), ("en", 0.9))
    assert language._classify(sure, sample) == ("de", language.SURE)
    assert sure.asked == [len(language._sample(sample, language.QUICK_CHARS))]  # one short look
    unsure = _Model(("en", 0.9), ("de", 0.8))
    assert language._classify(unsure, sample) == ("de", 0.8)
    assert unsure.asked[-1] == len(sample)
    short = _Model(("fr", 0.5), ("en", 0.99))
    assert language._classify(short, SAMPLES["fr"]) == ("fr", 0.5)
    assert short.asked == [len(SAMPLES["fr"])]  # a short text is classified once


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_long_texts_get_the_language_of_their_start(code: str) -> None:
    assert detect_language(SAMPLES[code] * 30)[0] == code
