"""Words in every script: counting them, and the units keywords, stories and MinHash are built from.

Chinese, Japanese and Thai (also Lao, Khmer, Myanmar) are written without spaces between words, so
`str.split()` sees a Japanese article as a handful of "words" and `--min-words` turned it away. Here:

- Counting: a Chinese or Japanese character (Han, hiragana, katakana) counts as one word, as word
  processors count them; a run of Thai, Lao, Khmer or Myanmar counts its segments (BudouX's Thai model
  cuts Thai into word-sized pieces; the other three have no model and count each run as one word). Any
  other token counts as `str.split()` counts it, so text without these scripts counts exactly as before.
- Features (keywords, story terms, MinHash shingles): a run of kanji and a run of katakana in Japanese
  (the hiragana between them is mostly grammar: particles and endings) and character bigrams of Chinese
  (no cheap dictionary-free cut is better; bigrams are the usual index unit for Chinese search). Thai runs
  give their segments. Text without these scripts gives exactly the tokens it gave before.

No dictionary is loaded: text that is all ASCII is passed at once, other text costs one regular-expression
scan, and Chinese or Japanese one pass over their runs. BudouX (pure Python, ~5 µs a character measured
here) is imported only when Thai text appears.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from transforms.text.identity import normalise_text, normalised_words

if TYPE_CHECKING:
    import budoux

_HIRAGANA = "\u3041-\u309f"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # with the long-vowel mark and half-width forms
_HAN = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # with 々 〆 〇
_SOUTHEAST_ASIAN = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
_THAI = "\u0e00-\u0e7f"

_CJK_CLASS = f"{_HIRAGANA}{_KATAKANA}{_HAN}"
_SPACELESS = re.compile(f"[{_CJK_CLASS}{_SOUTHEAST_ASIAN}]")
# One token cut into runs: CJK characters, a Southeast Asian run, or a run of other word characters.
_RUNS = re.compile(f"([{_CJK_CLASS}]+)|([{_SOUTHEAST_ASIAN}]+)|((?:(?![{_CJK_CLASS}{_SOUTHEAST_ASIAN}])\\w)+)")
# Japanese feature units: runs of kanji, runs of katakana (hiragana left out).
_JAPANESE_UNITS = re.compile(f"[{_HAN}]+|[{_KATAKANA}]+")
_HAN_ONLY = re.compile(f"[{_HAN}]+")
_KANA = re.compile(f"[{_HIRAGANA}{_KATAKANA}]")
_THAI_RUN = re.compile(f"[{_THAI}]")
# Texts whose features are remembered: dedupe computes a text's MinHash shingles and its story terms one
# after the other (as transforms/text/identity.py remembers normalised words).
_RECENT_TEXTS = 8


def spaceless(text: str) -> bool:
    """Whether `text` holds any character of a script written without spaces between words."""
    return not text.isascii() and _SPACELESS.search(text) is not None


@functools.lru_cache(maxsize=1)
def _thai_parser() -> budoux.Parser:
    import budoux

    return budoux.load_default_thai_parser()


def _segments(run: str) -> list[str]:
    """Word-sized pieces of a Thai run (BudouX); a Lao, Khmer or Myanmar run stays whole."""
    if _THAI_RUN.search(run) is None:
        return [run]
    return [piece for piece in _thai_parser().parse(run) if piece.strip()]


def word_count(text: str) -> int:
    """Words of `text`: whitespace tokens, each Chinese/Japanese character, and each Thai segment."""
    if not spaceless(text):
        return len(text.split())
    tokens = text.split()
    # Every token counts one, but those holding a spaceless script, which count their runs.
    held = [token for token in tokens if not token.isascii() and _SPACELESS.search(token)]
    count = len(tokens) - len(held)
    for token in held:
        for cjk, southeast, other in _RUNS.findall(token):
            if cjk:
                count += len(cjk)
            elif southeast:
                count += len(_segments(southeast))
            elif other:
                count += 1
    return count


def _cjk_units(run: str, japanese: bool) -> list[str]:
    if japanese:
        return _JAPANESE_UNITS.findall(run)
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def units(text: str, japanese: bool | None = None) -> list[str]:
    """The feature units of a piece of text (a clause, a word) that holds the spaceless scripts: Japanese
    kanji and katakana runs, Chinese bigrams, Thai segments, and the runs of other word characters as they
    are. `japanese` says whether the surrounding text is Japanese (has kana); by default `text` decides."""
    if japanese is None:
        japanese = is_japanese(text)
    found: list[str] = []
    for cjk, southeast, other in _RUNS.findall(text):
        if cjk:
            found += _cjk_units(cjk, japanese)
        elif southeast:
            found += _segments(southeast)
        elif other:
            found.append(other)
    return found


def han(text: str) -> bool:
    """Whether `text` is all Han characters (a Chinese bigram, a kanji run)."""
    return _HAN_ONLY.fullmatch(text) is not None


def is_japanese(text: str) -> bool:
    """Whether `text` holds kana (Chinese has none), which decides how its Han runs are cut."""
    return _KANA.search(text) is not None


@functools.lru_cache(maxsize=_RECENT_TEXTS)
def feature_words(text: str) -> tuple[str, ...]:
    """The words MinHash shingles and story terms are made of: `identity.normalised_words(text)` for text
    without the spaceless scripts (the same tuple), else the `units` of the normalised text."""
    if not spaceless(text):
        return normalised_words(text)
    return tuple(units(normalise_text(text), is_japanese(text)))
