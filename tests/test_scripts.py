"""Languages written without spaces (Japanese, Chinese, Thai): word counts, keywords, story terms, shingles."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS
from transforms.text import minhash, wordcount
from transforms.text.identity import normalised_words
from transforms.text.keywords import extract_keywords
from transforms.text.stories import cosine, salient_terms

# Two reports of one event, the first lightly edited, and an unrelated article.
GAZA = (
    "政府は二日、ガザ地区からエジプトへ退避した日本人の数を発表した。外務省によると、退避した日本人は十人で、"
    "全員の無事が確認された。エジプト政府は国境の検問所を開き、外国籍の人々の退避を受け入れている。"
    "外務省は引き続き情報の収集を急ぐとしている。"
)
GAZA_EDITED = GAZA.replace(
    "外務省は引き続き情報の収集を急ぐとしている。", "外務省は現地の大使館と連携して支援を続ける方針だ。"
)
GAZA_OTHER_OUTLET = (
    "エジプトとの国境にある検問所を通って、ガザ地区から日本人十人が退避した。外務省が明らかにした。"
    "日本人の家族を含む外国籍の人々がエジプト側に移動している。"
)
MARKETS = (
    "東京株式市場で日経平均株価が大幅に値上がりし、終値は三万円を超えた。半導体関連の銘柄が買われ、"
    "市場では景気の先行きに対する期待が高まっている。専門家は、円安の進行も輸出企業の株価を押し上げたと分析している。"
)
CHINESE = "中国政府今天宣布了新的经济政策，以促进国内消费。经济学家认为，这些政策将有助于稳定经济增长。"
THAI = "รัฐบาลประกาศมาตรการใหม่เพื่อกระตุ้นเศรษฐกิจ นายกรัฐมนตรีกล่าวว่าจะช่วยประชาชนทั่วประเทศ"
HIRAGANA = set(range(0x3041, 0x30A0))


def test_text_without_spaceless_scripts_counts_as_before() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += ["Ceasefire talks — again — in Doha.", "naïve café, 3 × 4 = 12 ", "Москва, 21 ноября"]
    for text in texts:
        assert wordcount.word_count(text) == len(text.split())
        assert wordcount.feature_words(text) == normalised_words(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("東京は晴れ。", 5),  # each kanji and kana, not the full stop
        ("新型iPhoneを発表", 6),  # 新型 + iPhone + を発表
        ("中国政府宣布", 6),
        ("Tokyo 東京 2026", 4),
        ("", 0),
    ],
)
def test_chinese_and_japanese_characters_count_as_words(text: str, words: int) -> None:
    assert wordcount.word_count(text) == words


def test_a_japanese_article_is_not_a_handful_of_words() -> None:
    """`str.split()` sees one "word" per paragraph, so `--min-words 5` rejected it as too short."""
    assert len(GAZA.split()) < 5
    assert wordcount.word_count(GAZA) == sum(1 for c in GAZA if c not in "、。")


def test_thai_counts_its_segments() -> None:
    words = wordcount.word_count(THAI)
    assert len(THAI.split()) == 2
    assert 8 <= words < len(THAI) // 2  # word-sized pieces, not characters
    units = wordcount.feature_words(THAI)
    assert "รัฐบาล" in units and "ประกาศ" in units  # "government", "announce", whole (with their vowel marks)


def test_feature_units_of_japanese_and_chinese() -> None:
    units = wordcount.feature_words(GAZA)
    assert {"ガザ", "エジプト", "外務省", "日本人", "検問所"} <= set(units)
    assert not any(HIRAGANA & {ord(c) for c in unit} for unit in units)  # particles and endings left out
    assert wordcount.feature_words("经济政策") == ("经济", "济政", "政策")


def test_near_duplicates_and_stories_in_japanese() -> None:
    edited = minhash.jaccard(minhash.signature(GAZA), minhash.signature(GAZA_EDITED))
    unrelated = minhash.jaccard(minhash.signature(GAZA), minhash.signature(MARKETS))
    assert edited >= minhash.DEFAULT_NEAR_DUPLICATE_THRESHOLD > unrelated
    gaza, other, markets = (dict(salient_terms(t, "ja")) for t in (GAZA, GAZA_OTHER_OUTLET, MARKETS))
    assert cosine(gaza, other) > 0.3 > cosine(gaza, markets)


def test_keywords_of_japanese_and_chinese() -> None:
    keywords = extract_keywords(GAZA, "ガザから日本人が退避", "ja")
    assert {"ガザ", "エジプト", "日本人", "外務省"} <= set(keywords)
    assert not any(HIRAGANA & {ord(c) for c in k} for k in keywords)
    chinese = extract_keywords(CHINESE, "中国宣布新经济政策", "zh")
    assert {"经济", "政策"} <= set(chinese)
    assert "府今" not in chinese and "济政" not in chinese  # halves of two words are no keywords
