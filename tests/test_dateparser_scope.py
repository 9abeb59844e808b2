"""htmldate's dateparser asked only in the languages a string can be written in (`dates.scope_htmldate_dateparser`):
the same answers as dateparser among all its languages, and htmldate still routes its strings through it."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from htmldate import extractors

from transforms.text import dates, page

REF = dt.date(2026, 11, 21)

# Strings htmldate's extensive search handed to dateparser on the evaluation pages (dates and non-dates), and
# dates written in other languages and scripts.
STRINGS = [
    "November 20 15:23 2019",
    "4. 2. 2022.",
    "15 августа 2016, 13:43",
    "Германия 15 августа 2016, 13:43",
    "26 | 01 | 2022",
    "Jan 04 09:34 2021",
    "Thu, 09/25/2025 - 11:38",
    "24-Nov-2021",
    "06/23/2025 | By",
    "Mar 30 - Apr 17",
    "Dec. 19, 2025",
    "Top 5 HR Management Software in 2026",
    "Through Dec 20, 2026",
    ": Jan 1 – Dec 31, 2026",
    "8.Dezember 2010 um 09:43 · Rezepte von Mutti · 6",
    "lun. 5 août 2019 5 août 2019",
    "2017;6(10):e002218.",
    "Dienstag, 3. Februar 2021 um 10:00 Uhr",
    "10.03.2021 14:00 Uhr",
    "2019年8月15日 10:00",
    "2021년 2월 3일 10:00",
    "२५ अगस्त २०२१ 10:00",
    "martes, 3 de febrero de 2021, 10:00",
    "sáb, 3 feb 2021 10:00",
    "3 février 2021 à 10:00",
    "Tuesday 3rd February 2021 10:00 GMT",
    "26.01.2022 10:00 CET",
]


@pytest.fixture(scope="module")
def scoped() -> Any:
    assert dates.scope_htmldate_dateparser(), "htmldate no longer gets its dateparser from get_external_parser"
    parser = extractors.get_external_parser()
    assert isinstance(parser, dates._ScopedDateParser)
    return parser


def test_same_answers_as_dateparser_in_every_language(scoped: Any) -> None:
    everywhere = scoped.everywhere  # htmldate's own DateDataParser(languages=None)
    for text in STRINGS:
        assert scoped.get_date_data(text)["date_obj"] == everywhere.get_date_data(text)["date_obj"], text


def test_the_answers_are_dates_where_a_language_reads_them(scoped: Any) -> None:
    read = {text: scoped.get_date_data(text)["date_obj"] for text in STRINGS}
    assert read["15 августа 2016, 13:43"] == dt.datetime(2016, 8, 15, 13, 43)
    assert read["Dienstag, 3. Februar 2021 um 10:00 Uhr"] == dt.datetime(2021, 2, 3, 10, 0)
    assert read["2019年8月15日 10:00"] == dt.datetime(2019, 8, 15, 10, 0)
    assert read["Top 5 HR Management Software in 2026"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4. 2. 2022.", None),  # no letters: dateparser tries one language per date order itself
        ("Top 5 HR Management Software in 2026", ("en",)),  # "management" is no language's word
        ("Dienstag, 3. Februar 2021 um 10:00 Uhr", ("en", "de")),
        ("15 августа 2016, 13:43", ("en", "ru")),
    ],
)
def test_languages_of_a_string(text: str, expected: tuple[str, ...] | None) -> None:
    found = dates.dateparser_languages(text)
    if expected is None or len(expected) == 1:
        assert found == expected
    else:
        assert found is not None and found[: len(expected)] == expected


def test_time_zones_alone_leave_every_date_order() -> None:
    found = dates.dateparser_languages("26.01.2022 10:00 CET")
    assert found is not None and found[0] == "en" and len(found) > 1


def test_htmldate_routes_its_strings_through_the_scoped_parser(scoped: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails when htmldate stops asking `get_external_parser` for its parser (its internals moved)."""
    asked: list[str] = []
    real = scoped.get_date_data

    def spy(text: str) -> Any:
        asked.append(text)
        return real(text)

    monkeypatch.setattr(scoped, "get_date_data", spy)
    # A Russian date only dateparser reads; htmldate caches what it parsed, so the string is this test's own.
    html = "<html><body><article><h1>Подольски</h1><p>Германия</p><p>17 августа 2016, 13:47</p></article></body></html>"
    picked = dates.htmldate_pick(page.parse_html(html), None, REF)
    assert asked, "htmldate did not ask the scoped dateparser"
    assert picked is not None and picked.startswith("2016-08-17")


def test_scoping_is_done_once() -> None:
    assert dates.scope_htmldate_dateparser()
    first = extractors.get_external_parser()
    assert dates.scope_htmldate_dateparser()
    assert extractors.get_external_parser() is first


def test_scoping_from_several_threads_installs_one_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []

    def htmldate_parser() -> object:  # stands for htmldate's own `get_external_parser`
        made.append(object())
        return made[-1]

    monkeypatch.setattr(extractors, "get_external_parser", htmldate_parser)
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(lambda _: dates.scope_htmldate_dateparser(), range(32)))
    scoped = extractors.get_external_parser()
    assert isinstance(scoped, dates._ScopedDateParser)
    assert made == [scoped.everywhere]  # htmldate's parser asked for once, wrapped once
