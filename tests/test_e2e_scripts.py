"""End to end: pages that once came out as mojibake or were turned away, through `newsbeam run` and DuckDB.

A UTF-8 page with one stray byte (decoded whole as a single-byte code page before: "weiß" became "weiÃ"),
a page declared windows-1250 (read as iso-8859-2 before, with C1 controls for "ś" and "–"), a Japanese
article (rejected as `too-short` before: `str.split()` saw a few "words"), and a Chinese news page whose markup
says nothing of being an article (turned away as a listing before: the article gate saw one "word" a line).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.query import connect
from tests.html_samples import CHINESE_PARAGRAPHS, chinese_page
from tests.support import newsbeam, summary_counts

pytestmark = pytest.mark.e2e

REFERENCE = "2026-11-21"

GERMAN = [
    "Die Straße am Hafen bleibt bis Ende März gesperrt, teilte die Stadtverwaltung am Dienstag mit. Grund "
    "sind Arbeiten an der Kaimauer, die nach dem Hochwasser im Herbst beschädigt worden war.",
    "Der Bürgermeister sagte, die Sanierung koste rund 4,2 Millionen Euro. Die weiße Fassade des alten "
    "Zollhauses werde dabei gleich mit erneuert, die Fußgänger müssten über die Brücke ausweichen.",
    "Anwohner hatten sich über den Lärm beschwert. Die Stadt verspricht, nachts und am Wochenende "
    "nicht zu arbeiten und die Geschäfte an der Uferstraße weiter erreichbar zu halten.",
]
POLISH = [
    "Minister powiedział w środę, że rozmowy pokojowe – jak podała agencja – będą kontynuowane w przyszłym "
    "tygodniu. Delegacje spotkają się ponownie w stolicy, a wcześniej eksperci przygotują projekt porozumienia.",
    "Według źródeł zbliżonych do rządu najtrudniejsza pozostaje kwestia granic. Opozycja żąda, by parlament "
    "otrzymał pełną informację o przebiegu negocjacji, zanim cokolwiek zostanie podpisane.",
    "Premier zapowiedział, że w piątek przedstawi posłom szczegóły. Śląscy samorządowcy apelują o szybkie "
    "decyzje w sprawie funduszy na odbudowę zniszczonych dróg i mostów.",
]
JAPANESE = [
    "政府は二日、ガザ地区からエジプトへ退避した日本人の数を発表した。外務省によると、退避した日本人は十人で、"
    "全員の無事が確認された。",
    "エジプト政府は国境の検問所を開き、外国籍の人々の退避を受け入れている。検問所の周辺には多くの人が集まり、"
    "手続きには長い時間がかかっているという。",
    "外務省は引き続き情報の収集を急ぐとともに、現地の大使館と連携して残る日本人の退避を支援する方針だ。"
    "ガザ地区では停戦の見通しが立たず、人道状況の悪化が懸念されている。",
]


def page(title: str, paragraphs: list[str], lang: str, charset: str) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>'
        f'<meta property="article:published_time" content="2026-11-18T08:30:00+01:00"></head><body>'
        f"<nav><a href='/'>Start</a></nav><main><article><h1>{title}</h1>\n{body}\n</article></main>"
        f"<footer><p>Impressum</p></footer></body></html>"
    )


@pytest.fixture(scope="module")
def scripts_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    pages = tmp_path_factory.mktemp("pages")
    german = page("Hafenstraße bleibt gesperrt", GERMAN, "de", "utf-8").encode("utf-8")
    cut = german.index(b"Kaimauer")
    (pages / "stray-byte.html").write_bytes(german[:cut] + b"\x96" + german[cut:])  # one stray byte
    (pages / "polish.html").write_bytes(page("Rozmowy pokojowe w środę", POLISH, "pl", "windows-1250").encode("cp1250"))
    (pages / "japanese.html").write_bytes(page("ガザから日本人十人が退避", JAPANESE, "ja", "utf-8").encode("utf-8"))
    (pages / "chinese.html").write_bytes(chinese_page().encode("utf-8"))
    out = tmp_path_factory.mktemp("scripts") / "articles"
    result = newsbeam("run", "--input", str(pages), "--output", str(out), "--reference-date", REFERENCE)
    assert result.returncode == 0, result.stderr
    return out, result


def _articles(out: Path) -> dict[str, tuple[str, str, int, list[str], str]]:
    rows = connect(str(out)).sql("SELECT source, title, text, word_count, keywords, language FROM articles").fetchall()
    return {
        Path(source).name: (title, text, count, keywords, language)
        for source, title, text, count, keywords, language in rows
    }


def test_every_page_is_written(scripts_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, result = scripts_run
    assert summary_counts(result.stdout) == {"read": 4, "written": 4, "duplicates": 0, "rejected": 0}


def test_no_mojibake(scripts_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    articles = _articles(scripts_run[0])
    title, text, *_ = articles["stray-byte.html"]
    assert title == "Hafenstraße bleibt gesperrt"
    for sentence in GERMAN:
        assert sentence.replace("Kaimauer", "\ufffdKaimauer") in text
    title, text, *_ = articles["polish.html"]
    assert title == "Rozmowy pokojowe w środę"
    assert all(p in text for p in POLISH)
    for title, text, *_ in articles.values():
        assert not any("\x80" <= c <= "\x9f" for c in title + text)
        assert "Ã" not in text and "Å" not in text and "â€" not in text


def test_a_japanese_article_counts_its_characters(scripts_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, text, count, keywords, language = _articles(scripts_run[0])["japanese.html"]
    assert language == "ja"
    assert all(p in text for p in JAPANESE)
    assert count == sum(1 for c in text if not c.isspace() and c not in "、。")  # every character, not 3 "words"
    assert {"エジプト", "日本人", "外務省", "ガザ"} & set(keywords)


def test_a_chinese_page_without_article_markup_passes_the_gate(
    scripts_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, text, count, _, language = _articles(scripts_run[0])["chinese.html"]
    assert language == "zh"
    assert all(p in text for p in CHINESE_PARAGRAPHS)
    assert count > 250  # its characters, not six "words"
