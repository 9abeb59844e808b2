"""Author names: what bylines, feeds and trafilatura say, turned into a clean list of people."""

from __future__ import annotations

import pytest

from transforms.authors import MAX_AUTHORS, author_names, clean_authors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane Doe", ["Jane Doe"]),
        ("By Jane Doe", ["Jane Doe"]),
        ("BY JANE DOE", ["Jane Doe"]),
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe, Jim Roe and Al Poe", ["Jane Doe", "Jim Roe", "Al Poe"]),
        ("Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe; John Roe", ["Jane Doe", "John Roe"]),  # trafilatura's separator
        ("Jim Thomas ✉", ["Jim Thomas"]),
        ("✉ Jim Thomas", ["Jim Thomas"]),
        ("Jane Doe | Twitter: @janedoe", ["Jane Doe"]),
        ("Jane Doe, Senior Reporter", ["Jane Doe"]),
        ("Jane Doe Senior Reporter", ["Jane Doe"]),
        ("Senior Reporter Jane Doe", ["Jane Doe"]),
        ("Jean-Luc Picard, Correspondent in Paris", ["Jean-Luc Picard"]),
        ("Mark Smith for CNN", ["Mark Smith"]),
        ("Jane Doe in Kyiv", ["Jane Doe"]),
        ("jane@example.com (Jane Doe)", ["Jane Doe"]),  # RSS <author>
        ("Von Anna Müller", ["Anna Müller"]),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("Mohammed bin Salman", ["Mohammed bin Salman"]),
        ("Van Morrison", ["Van Morrison"]),
        ("J.R. Smith", ["J.R. Smith"]),
        ("Dmitri Peskov (Reuters)", ["Dmitri Peskov"]),
        # A news agency's credit is the byline of wire copy.
        ("The Associated Press", ["The Associated Press"]),
        ("By Reuters Staff", ["Reuters"]),
        ("Jane Doe and AFP", ["Jane Doe", "AFP"]),
    ],
)
def test_names_are_found(raw: str, expected: list[str]) -> None:
    assert author_names(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "Email the author",
        "Contact the author",
        "Staff",
        "Staff Writer",
        "Editorial Board",
        "Associated Press Television Staff Council",
        "The Newsroom",
        "admin",
        "Newsmax",  # one word: a site, not a person
        "December 20, 2025",
        "Updated 20.12.2025 10:31",
        "3 min read",
        "https://example.com/authors/jane-doe",
        "www.example.com",
        "jane.doe@example.com",
        "@janedoe",
        "By The Numbers",
        "Monday Morning",
        "click here",
        "de Gaulle",
        "read more from this author",
    ],
)
def test_non_names_are_rejected(raw: str | None) -> None:
    assert author_names(raw) == []


def test_clean_authors_dedupes_without_case_or_accents_and_keeps_order() -> None:
    raw = ["By Jane Doe", "JANE DOE", "John Roe, Editor", "Email the author", "Jose Alvarez", "José Álvarez"]
    assert clean_authors(raw) == ["Jane Doe", "John Roe", "Jose Alvarez"]


def test_clean_authors_caps_the_list() -> None:
    many = [f"Jane Doe{chr(ord('a') + i)}x Smith" for i in range(MAX_AUTHORS + 5)]
    assert len(clean_authors(many)) == MAX_AUTHORS


def test_clean_authors_of_nothing() -> None:
    assert clean_authors([]) == []
    assert clean_authors([None, "", "Staff"]) == []
