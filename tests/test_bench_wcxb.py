"""The metrics of the WCXB side-by-side benchmark (`bench/wcxb.py`, `bench/quality_wcxb.py`) on hand-made
pages, how `bench/quality_fundus.py` reads fundus's test pages and how `bench/quality_trafeval.py` reads and
scores trafilatura's evaluation pages: a wrong metric or a page paired with another page's truth would make
every figure of the benchmark wrong."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import quality_fundus  # noqa: E402
import quality_trafeval  # noqa: E402
import quality_wcxb  # noqa: E402
import wcxb  # noqa: E402
from wcxb import Page, Prediction, Score  # noqa: E402


def page(
    kind: str = "article", text: str = "", title: str | None = None, author: str | None = None, date: str | None = None
) -> Page:
    return Page("p", None, kind, Path("p.html.gz"), title, author, date, text)


# --- text F1 (WCXB's word metric) -----------------------------------------------------------------------


def test_text_f1_is_one_for_the_same_words_whatever_the_case_and_punctuation() -> None:
    assert wcxb.text_f1("The cat sat.", "the CAT, sat") == pytest.approx(1.0)


def test_text_f1_counts_words_as_a_bag() -> None:
    # truth the,the,cat; prediction the,cat: 2 shared, P 1, R 2/3.
    assert wcxb.text_f1("the the cat", "The cat") == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3))
    # truth a,b,c,d; prediction a,b,x: 2 shared, P 2/3, R 1/2 -> 4/7.
    assert wcxb.text_f1("a b c d", "a b x") == pytest.approx(4 / 7)


@pytest.mark.parametrize("prediction", [None, "", "nothing shared here"])
def test_text_f1_is_zero_without_output_or_shared_words(prediction: str | None) -> None:
    assert wcxb.text_f1("the cat sat", prediction) == 0.0


# --- title, authors --------------------------------------------------------------------------------------


def test_title_exact_ignores_quotes_spacing_case_and_a_final_full_stop() -> None:
    assert wcxb.title_exact("Why it’s  “fine” – now.", 'why it\'s "Fine" - now')


@pytest.mark.parametrize(
    ("truth", "prediction"),
    [("A title", "A title | Example News"), (None, "A title"), ("A title", None), (None, None)],
)
def test_title_exact_is_false_for_another_title_or_no_truth(truth: str | None, prediction: str | None) -> None:
    assert not wcxb.title_exact(truth, prediction)


def test_author_match_takes_names_within_the_credit() -> None:
    assert wcxb.author_match("Jane Doe, Ph.D.", ["Jane Doe"])
    assert wcxb.author_match("José Pérez and Ann Lee", ["Jose Perez", "ann lee"])
    assert wcxb.author_match("José Pérez and Ann Lee", ["Ann Lee"])


@pytest.mark.parametrize(
    ("truth", "names"),
    [("Jane Doe", []), ("Jane Doe", [" "]), ("Jane Doe", ["Jane Doe", "Staff"]), (None, ["Jane Doe"])],
)
def test_author_match_needs_a_name_and_no_name_outside_the_credit(truth: str | None, names: list[str]) -> None:
    assert not wcxb.author_match(truth, names)


def test_junk_authors_are_the_names_outside_the_credit() -> None:
    assert wcxb.junk_authors("Jane Doe", ["Jane Doe", "Staff Writer"]) == ["Staff Writer"]
    assert wcxb.junk_authors(None, ["Admin"]) == ["Admin"]
    assert wcxb.junk_authors(None, []) == []


# --- the figures over pages ------------------------------------------------------------------------------


def test_score_counts_each_figure_over_the_pages_it_applies_to() -> None:
    results = [
        # an article, all right, written
        (
            page("article", "a b c d", "Title", "Jane Doe", "2025-01-02"),
            Prediction("a b c d", "title", ("Jane Doe",), "2025-01-02", True),
        ),
        # an article turned away, undated page given a date, a name invented
        (page("article", "a b c d", "Title"), Prediction("a b x", "Other", ("Admin",), "2025-01-01", False)),
        # a forum page written, nothing right
        (page("forum", "e f", None, "Ann Lee", "2024-05-06"), Prediction("", None, ("Bob",), None, True)),
    ]
    got = wcxb.score(results)
    assert set(got) == set(wcxb.FIGURES)
    assert got["text_f1"].value == pytest.approx((1 + 4 / 7 + 0) / 3)
    assert got["text_f1_written"].value == pytest.approx((1 + 0 + 0) / 3)
    assert (got["title_exact"].total, got["title_exact"].n) == (1, 2)
    assert (got["author_match"].total, got["author_match"].n) == (1, 2)
    assert (got["author_invented"].total, got["author_invented"].n) == (1, 1)
    assert (got["junk_author"].total, got["junk_author"].n) == (2, 3)
    assert (got["date_day"].total, got["date_day"].n) == (1, 2)
    assert (got["undated_dated"].total, got["undated_dated"].n) == (1, 1)
    assert (got["articles_turned_away"].total, got["articles_turned_away"].n) == (1, 2)
    assert (got["non_articles_written"].total, got["non_articles_written"].n) == (1, 1)


def test_score_of_no_pages_has_no_value() -> None:
    empty = wcxb.score([])
    assert all(s.n == 0 and s.value is None and str(s) == "-" for s in empty.values())


def test_score_prints_a_share_with_its_counts_and_a_mean_without() -> None:
    assert str(Score(3, 4)) == "0.750 (3/4)"
    assert str(Score(1.5, 2, share=False)) == "0.750"


# --- the target cells and the ScrapingHub wrapper ----------------------------------------------------------


def test_verdict_holds_text_f1_against_trafilatura_and_the_rest_against_the_issue_targets() -> None:
    assert (
        quality_wcxb.verdict("text_f1", Score(0.9, 1, False), Score(0.91, 1, False)) == "≥ trafilatura: missed by 0.010"
    )
    # A gap the table's three decimals hide is written out.
    assert quality_wcxb.verdict("text_f1", Score(0.93157, 1, False), Score(0.93171, 1, False)) == (
        "≥ trafilatura: missed by 0.0001"
    )
    assert quality_wcxb.verdict("text_f1_written", Score(0.9, 1, False), Score(0.9, 1, False)).endswith(": met")
    assert quality_wcxb.verdict("title_exact", Score(8, 10), Score(0, 10)) == "≥ 0.80: met"
    assert quality_wcxb.verdict("title_exact", Score(7, 10), Score(10, 10)) == "≥ 0.80: missed by 0.100"
    assert quality_wcxb.verdict("articles_turned_away", Score(1, 10), Score(0, 10)) == "≤ 0.02: missed by 0.080"
    assert quality_wcxb.verdict("undated_dated", Score(0, 0), Score(0, 0)) == "≤ 0.15"
    assert quality_wcxb.verdict("junk_author", Score(0, 10), Score(0, 10)) == ""


def test_shingle_f1_scores_a_page_turned_away_as_no_output() -> None:
    truth = ["one two three four five six", "seven eight nine ten eleven"]
    kept = [Prediction(truth[0], written=True), Prediction(truth[1], written=False)]
    assert quality_wcxb.shingle_f1(truth, kept) == pytest.approx(1.0)
    # The second page scores recall 0 once turned away; precision is averaged over pages with output only.
    assert quality_wcxb.shingle_f1(truth, kept, written_only=True) == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert quality_wcxb.shingle_f1(truth, [Prediction(), Prediction()]) == 0.0


# --- fundus's test pages (`bench/quality_fundus.py`) ---------------------------------------------------------


def _fundus_clone(root: Path, files: dict[str, str], truths: dict[str, dict[str, object]]) -> Path:
    """A fundus clone's layout: one country folder with its meta.info, a publisher's pages and truths."""
    country = root / "tests/resources/parser/test_data/xx"
    country.mkdir(parents=True)
    meta = {name: {"url": url, "crawl_date": "2025-01-01 00:00:00"} for name, url in files.items()}
    (country / "meta.info").write_text(json.dumps(meta), encoding="utf-8")
    for name in files:
        (country / name).write_bytes(gzip.compress(f"<html><body><p>{name}</p></body></html>".encode()))
    (country / "Gazette.json").write_text(json.dumps(truths), encoding="utf-8")
    return root


def test_fundus_pages_pair_each_page_with_its_parser_versions_truth(tmp_path: Path) -> None:
    def truth(title: str) -> dict[str, object]:
        body = {"summary": ["Lead."], "sections": [{"headline": ["Sub"], "paragraphs": ["One.", "Two."]}]}
        return {"title": title, "authors": ["Jane Doe", "John Roe"], "publishing_date": "2025-02-02 20:07:46+01:00",
                "body": body}  # fmt: skip

    files = {
        "Gazette_2024_05_03.html.gz": "https://g.example/old",
        "Gazette_2025_06_05.html.gz": "https://g.example/new",
    }
    root = _fundus_clone(tmp_path, files, {"V1_1": truth("newer parser"), "V1": truth("older parser")})
    found = [(country, page) for country, page in quality_fundus.pages(root)]
    assert [(c, p.url, p.title) for c, p in found] == [
        ("xx", "https://g.example/old", "older parser"),
        ("xx", "https://g.example/new", "newer parser"),
    ]
    page = found[0][1]
    assert page.kind == "article" and page.author == "Jane Doe; John Roe" and page.date == "2025-02-02"
    assert page.text == "Lead.\nSub\nOne.\nTwo." and b"Gazette_2024_05_03" in page.html_bytes()


def test_fundus_pages_take_the_newest_pair_when_pages_and_truths_differ_in_number(tmp_path: Path) -> None:
    body = {"sections": [{"headline": [], "paragraphs": ["Text."]}]}
    files = {
        "Gazette_2024_05_03.html.gz": "https://g.example/old",
        "Gazette_2025_06_05.html.gz": "https://g.example/new",
    }
    root = _fundus_clone(tmp_path, files, {"V2": {"title": "only truth", "body": body}})
    assert [(p.url, p.title, p.author, p.date) for _, p in quality_fundus.pages(root)] == [
        ("https://g.example/new", "only truth", None, None)
    ]
    with pytest.raises(SystemExit):
        list(quality_fundus.pages(tmp_path / "nowhere"))


def test_fundus_registry_names_each_publisher_by_its_test_pages_key(tmp_path: Path) -> None:
    source = tmp_path / "src/fundus/publishers/xx/__init__.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        'class XX(metaclass=PublisherGroup):\n    default_language = "de"\n\n'
        '    Gazette = Publisher(\n        name="Die Gazette",\n        domain="https://g.example",\n    )\n\n'
        '    DailyNews = Publisher(name="Daily News (XX)", domain="https://dn.example")\n',
        encoding="utf-8",
    )
    assert quality_fundus.registry(tmp_path) == {"Gazette": "Die Gazette", "DailyNews": "Daily News (XX)"}
    assert quality_fundus.registry(tmp_path / "nowhere") == {}


@pytest.mark.parametrize(
    ("truth", "given", "expected"),
    [
        ("Der Standard", "DER STANDARD", (True, True)),
        ("Euronews (DE)", "euronews", (False, True)),
        ("Deutsche Welle", "dw.com", (False, False)),
        ("Bild", None, (False, False)),
        ("i", "inews.co.uk", (False, False)),  # a one-letter name holds nothing
    ],
)
def test_fundus_publisher_named(truth: str, given: str | None, expected: tuple[bool, bool]) -> None:
    assert quality_fundus.publisher_named(truth, given) == expected


# --- trafilatura's evaluation pages (`bench/quality_trafeval.py`) -------------------------------------------


def _trafilatura_clone(root: Path) -> Path:
    """A trafilatura clone's layout: `tests/evaldata.json`, a page in `tests/cache` and one in `tests/eval`."""
    tests = root / "tests"
    (tests / "cache").mkdir(parents=True)
    (tests / "eval").mkdir()
    (tests / "cache" / "a.html").write_text("<html><body><p>a</p></body></html>", encoding="utf-8")
    (tests / "eval" / "b.html").write_text("<html><body><p>b</p></body></html>", encoding="utf-8")
    data = {
        "https://b.example/post": {"file": "b.html", "with": ["kept line"], "without": ["Impressum"],
                                   "title": "Post", "author": ["Jane Doe", "John Roe"], "date": "2022-01-21"},
        "https://a.example/page": {"file": "a.html", "with": ["one", "two"], "without": ["menu"],
                                   "title": "Page", "author": "", "date": ""},
        "https://c.example/missing": {"file": "c.html", "with": ["x"], "without": ["y"]},
        "https://d.example/plain": {"file": "a.html", "with": ["x"], "without": ["y"]},
    }  # fmt: skip
    (tests / "evaldata.json").write_text(json.dumps(data), encoding="utf-8")
    return root


def test_trafeval_pages_read_the_annotations_and_find_each_file(tmp_path: Path) -> None:
    found = list(quality_trafeval.pages(_trafilatura_clone(tmp_path)))
    assert [p.url for p in found] == ["https://a.example/page", "https://b.example/post", "https://d.example/plain"]
    page, post, plain = found
    assert page.path.parent.name == "cache" and post.path.parent.name == "eval"
    # An empty author or date: the page states none; a list of authors: one credit; no metadata: not annotated.
    assert (page.author, page.date, page.annotated) == ("", "", True)
    assert (post.author, post.date) == ("Jane Doe; John Roe", "2022-01-21")
    assert (plain.title, plain.author, plain.date, plain.annotated) == (None, None, None, False)
    with pytest.raises(SystemExit):
        list(quality_trafeval.pages(tmp_path / "nowhere"))


def test_trafeval_scores_snippets_as_trafilatura_and_metadata_as_wcxb(tmp_path: Path) -> None:
    page, post, plain = quality_trafeval.pages(_trafilatura_clone(tmp_path))
    # (tp, fp, fn, tn), whitespace normalised: "one" found, "two" not, "menu" found.
    assert quality_trafeval.counts(page, "one\n  menu") == (1, 1, 1, 0)
    assert quality_trafeval.counts(page, None) == (0, 0, 2, 1)

    def run(verdict: str = "-", **pred: object) -> quality_wcxb.Run:
        return quality_wcxb.Run(Prediction(**pred), verdict, 0.0)

    runs = [
        (page, run(text="one two", authors=("Jim Poe",), day="2022-01-01", written=True)),
        (post, run("gate:listing", text="kept line", title="Post", authors=("Jane Doe",), day="2022-01-21")),
        (plain, run(text="x", written=True)),
    ]
    figures = quality_trafeval.figures(runs)
    assert figures["text F1, extracted (snippets found; precision, recall)"] == "1.000 (P 1.000, R 1.000)"
    # The post was turned away: its snippet is not found as written.
    assert figures["text F1, as written (a page turned away finds no snippet)"] == "0.857 (P 1.000, R 0.750)"
    assert figures[wcxb.FIGURES["title_exact"]] == "0.500 (1/2)"
    assert figures[wcxb.FIGURES["author_match"]] == "1.000 (1/1)"
    assert figures[wcxb.FIGURES["author_invented"]] == "1.000 (1/1)"  # "Jim Poe" on a page that credits nobody
    assert figures[wcxb.FIGURES["date_day"]] == "1.000 (1/1)"
    assert figures[wcxb.FIGURES["undated_dated"]] == "1.000 (1/1)"
    assert figures["pages not written (turned away, or no text)"] == "0.333 (1/3)"
