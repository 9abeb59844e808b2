"""Language of an article's text, by py3langid with normalised probabilities.

The model is loaded once per process, lazily, because loading it takes far longer than classifying an
article and Beam workers import this module long before they need it. py3langid ships it as an
LZMA-compressed file whose decompression cost 0.67 s of CPU in every process that detected a language; the
first load keeps the decompressed arrays in newsbeam's cache folder (`NEWSBEAM_CACHE_DIR`, else
`$XDG_CACHE_HOME/newsbeam` or `~/.cache/newsbeam`; 68 MB), from which later processes load in 0.15 s.

Only the first ~2,000 characters are classified: language does not change mid-article, and the cost stays
flat for long texts. The first ~1,000 are classified first, and when the model is sure of them (≥ 0.99) that
answer stands: py3langid walks its sample byte by byte in Python, so this halves the cost for most articles,
and on the 1,906 real pages of the evaluation data it gave the language of the full sample every time (a
sample of 1,000 characters alone did not: a German page that opens in English). When the model is unsure, a
language stated by the source (`<html lang>`, a feed's language) is the better guess.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import py3langid as langid

SAMPLE_CHARS = 2000
QUICK_CHARS = 1000  # classified first; the full sample only when the model is less sure than SURE
SURE = 0.99
MIN_LETTERS = 20
UNSURE_BELOW = 0.5

# The model's labels that are not ISO 639-1: varieties folded into their macrolanguage's code, and
# "zxx" (no linguistic content), which means no language. Other ISO 639-3 labels (e.g. "ace") are
# returned as they are, since those languages have no two-letter code.
_TO_ISO_639_1: dict[str, str | None] = {
    "arz": "ar",  # Egyptian Arabic
    "ary": "ar",  # Moroccan Arabic
    "uzs": "uz",  # Southern Uzbek
    "yue": "zh",  # Cantonese
    "wuu": "zh",  # Wu Chinese
    "gug": "gn",  # Paraguayan Guarani
    "sdh": "ku",  # Southern Kurdish
    "ltg": "lv",  # Latgalian
    "fuv": "ff",  # Nigerian Fulfulde
    "kik": "ki",  # Kikuyu
    "zxx": None,
    "und": None,
}

# ISO 639-1, to tell a usable hint ("de", "en-GB") from noise ("xx", "english").
_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
    dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
    ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
    lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
    rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
_ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

_identifier: Any = None
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where newsbeam keeps what it derives once per machine from its libraries' data."""
    configured = os.environ.get("NEWSBEAM_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsbeam"


def _model_cache(model: Path) -> Path:
    """The decompressed copy of py3langid's `model`, named after the library's version and the file's size
    and time, so that a new model is never read from an old copy."""
    stat = model.stat()
    version = metadata.version("py3langid")
    return cache_dir() / f"py3langid-{version}-{stat.st_size}-{int(stat.st_mtime)}.npz"


def _from_arrays(arrays: Any) -> Any:
    """A normalised-probability identifier from the arrays of py3langid's model file (same layout)."""
    from py3langid import modelio

    return langid.langid.LanguageIdentifier(
        np.asarray(arrays["ptc"]),
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        modelio._to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,
        tk_row=modelio._to_array(arrays["nextmove_row"]),
    )


def _load_identifier() -> Any:
    """py3langid's identifier, from the decompressed copy when there is one; makes that copy otherwise.

    The copy is written to a temporary name and renamed, so a concurrent process reads a whole file or
    none; a cache folder that cannot be written only costs the slower load."""
    module = langid.langid
    if not hasattr(module.LanguageIdentifier, "from_model_file"):  # py3langid 0.3: a pickled model
        return module.LanguageIdentifier.from_pickled_model(module.MODEL_FILE, norm_probs=True)
    model = Path(module.MODEL_DIR) / module.MODEL_FILE
    cached = _model_cache(model)
    unreadable = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
    with contextlib.suppress(*unreadable), np.load(cached, allow_pickle=False) as arrays:
        return _from_arrays(arrays)
    from py3langid import modelio

    ptc, pc, classes, nextmove, row, output = modelio.load_model(model)
    arrays = {
        "ptc": np.asarray(ptc),
        "pc": np.asarray(pc),
        "classes": np.array(classes),
        "nextmove": np.frombuffer(nextmove, dtype=np.dtype(f"u{nextmove.itemsize}")),
        "nextmove_row": np.frombuffer(row, dtype=np.dtype(f"u{row.itemsize}")),
        "out_feat": np.asarray(output, dtype=np.int32),
    }
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=cached.parent, prefix=f".{cached.name}", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(temporary, cached)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        for stale in cached.parent.glob("py3langid-*.npz"):  # copies of a model no longer installed
            if stale != cached:
                with contextlib.suppress(OSError):
                    stale.unlink()
    return _from_arrays(arrays)


def _get_identifier() -> Any:
    """The shared normalised-probability identifier, built on first use."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                _identifier = _load_identifier()
    return _identifier


def warm_up() -> None:
    """Load the model now (a stage's `setup`) rather than on the first article that has enough letters."""
    _get_identifier()


def _normalise_hint(hint: str | None) -> str | None:
    """ "de", "DE", "de-AT" or "de_AT" -> "de"; anything that is not ISO 639-1 -> None."""
    if not hint or not isinstance(hint, str):
        return None
    primary = hint.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in _ISO_639_1 else None


def _sample(text: str, chars: int = SAMPLE_CHARS) -> str:
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", chars // 2, chars)  # do not split a word
    return text[: cut if cut > 0 else chars]


def _classify(identifier: Any, sample: str) -> tuple[str, float]:
    """The model's (label, probability) for `sample`, from its first `QUICK_CHARS` when it is sure of them."""
    quick = _sample(sample, QUICK_CHARS)
    if len(quick) < len(sample):
        label, probability = identifier.classify(quick)
        if probability >= SURE:
            return label, probability
    label, probability = identifier.classify(sample)
    return label, probability


def _enough_letters(sample: str) -> bool:
    letters = 0
    for char in sample:
        if char.isalpha():
            letters += 1
            if letters >= MIN_LETTERS:
                return True
    return False


def detect_language(text: str, hint: str | None = None) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of `text`; (None, 0.0) when there is too little text to tell.

    A valid `hint` wins when the model is unsure (probability < 0.5), including for too-short texts;
    its probability is then what the model gave that language (0.0 for too-short texts).
    """
    hinted = _normalise_hint(hint)
    sample = _sample(text or "")
    if not _enough_letters(sample):
        return (hinted, 0.0) if hinted else (None, 0.0)
    identifier = _get_identifier()
    label, probability = _classify(identifier, sample)
    code = _TO_ISO_639_1.get(label, label)
    probability = float(probability)
    if hinted is not None and (code is None or probability < UNSURE_BELOW) and code != hinted:
        ranked = dict(identifier.rank(sample))
        return hinted, float(ranked.get(hinted, 0.0))
    return code, probability
