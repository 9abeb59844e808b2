"""Author names: what bylines, feeds and trafilatura say, turned into a clean list of people."""

from __future__ import annotations

import json

import pytest

from transforms.text.authors import MAX_AUTHORS, author_names, clean_authors, page_authors, stated_names
from transforms.text.page import PageFacts, page_facts, parse_html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe, Jim Roe and Al Poe", ["Jane Doe", "Jim Roe", "Al Poe"]),
        ("Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe; John Roe", ["Jane Doe", "John Roe"]),  # trafilatura's separator
        ("Jean-Luc Picard, Correspondent in Paris", ["Jean-Luc Picard"]),
        ("Mark Smith for CNN", ["Mark Smith"]),
        ("Von Anna Müller", ["Anna Müller"]),
        ("Dmitri Peskov (Reuters)", ["Dmitri Peskov"]),
        # A news agency's credit is the byline of wire copy.
        ("By Reuters Staff", ["Reuters"]),
        ("Jane Doe and AFP", ["Jane Doe", "AFP"]),
        # "Jan" is a given name, "A." an initial; "and" in Danish, Norwegian, Swedish and Italian.
        ("Von Jan Kixmüller", ["Jan Kixmüller"]),
        ("By Miguel A. Herguedas", ["Miguel A. Herguedas"]),
        ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
        ("Anna Lindqvist och Erik Berg", ["Anna Lindqvist", "Erik Berg"]),
        ("Mario Rossi e Luca Bianchi", ["Mario Rossi", "Luca Bianchi"]),
    ],
)
def test_names_are_found(raw: str, expected: list[str]) -> None:
    assert author_names(raw) == expected


# What bylines and feeds put around one name: a "By", capitals, a mail sign, a handle, a role, a place, an address.
@pytest.mark.parametrize(
    "raw",
    [
        "By Jane Doe",
        "BY JANE DOE",
        "Jane Doe ✉",
        "✉ Jane Doe",
        "Jane Doe | Twitter: @janedoe",
        "Jane Doe, Senior Reporter",
        "Jane Doe Senior Reporter",
        "Senior Reporter Jane Doe",
        "Jane Doe in Kyiv",
        "jane@example.com (Jane Doe)",  # RSS <author>
    ],
)
def test_a_byline_gives_the_one_name(raw: str) -> None:
    assert author_names(raw) == ["Jane Doe"]


# Names as they are written: particles, initials, a news agency's credit (the byline of wire copy).
@pytest.mark.parametrize(
    "raw",
    ["Jane Doe", "Ursula von der Leyen", "Mohammed bin Salman", "Van Morrison", "J.R. Smith", "The Associated Press"],
)
def test_names_are_found_as_written(raw: str) -> None:
    assert author_names(raw) == [raw]


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Www Facebook Com", []),  # a profile link spelled out
        ("Rurutia Member", []),  # a forum label after a user name
        ("Chrisman Frank Ceo", ["Chrisman Frank"]),  # a role after a name
        ("Tom May", []),  # in running text a month is no surname: metadata says otherwise (below)
    ],
)
def test_bylines_lose_labels_and_links(raw: str, expected: list[str]) -> None:
    assert author_names(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # What metadata states, cleaned of an article, a byline's word, credentials, a date, an avatar's initials.
        ("The Investopedia Team", ["Investopedia Team"]),
        ("Jane Doe; John Roe", ["Jane Doe", "John Roe"]),
        ("By Arlene Marturano", ["Arlene Marturano"]),
        ("Article by Cara Dumaplin RN", ["Cara Dumaplin"]),
        ("Dylan Bailey, MS, RD, FAND", ["Dylan Bailey"]),  # credentials after the name
        ("Cazzy Magennis Last Updated August 1", ["Cazzy Magennis"]),
        ("CM Craig McCarthy", ["Craig McCarthy"]),  # an avatar's initials
        ("The Currency editors", ["Currency editors"]),
        ("JANE DOE", ["Jane Doe"]),
        ("Jan Kixmüller", ["Jan Kixmüller"]),
        ("Miguel A. Herguedas", ["Miguel A. Herguedas"]),
        ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
    ],
)
def test_stated_names_are_kept_as_stated(raw: str, expected: list[str]) -> None:
    assert stated_names(raw) == expected


# What metadata states is a name on purpose: one word, lower case, a newsroom's or a team's credit, an acronym.
@pytest.mark.parametrize(
    "raw", ["Nayane", "kirstin boatto", "Everfit Team", "TOI Lifestyle Desk", "Tom May", "Reuters", "PTI"]
)
def test_stated_names_are_kept_as_written(raw: str) -> None:
    assert stated_names(raw) == [raw]


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.facebook.com/everfit.io/",
        "andrew.keaveney",  # a user name
        "brandon-peaktwo",
        "ops@our-hometown.com",
        "paperium.net",
        "Kneib Dentistry PC",  # companies
        "SmartEtailing Inc",
        "Muster GmbH",
        "admin",
        "Webmaster",
        "NOC Admin",  # a role with what it qualifies
        "Trial Attorney",
        "Staff",
        "undefined",
        "Name",
        "May",
        "Certified Pediatric Sleep Consultant",
        "Updated January 5",
        "Jdadmin",  # a role inside a user name
        "Un documentaire de Kristen Falchon",  # prose around a name
        "Red",  # German desks' "Red." and "Agenturen"
        "Agenturen",
        "publisher",
        "Nachrichten",  # "news" in other languages: a section, not a person
        "Noticias",
        "anónimo",  # "anonymous", "unnamed" in other languages
        "Unbenannt",
        # An organisation's name read as names joined by "and", or its legal form read as a name ("e.V.").
        "Bundesministerium für Wirtschaft und Klimaschutz",
        "Eidgenössisches Departement für Wirtschaft, Bildung und Forschung WBF",
        "Bundesverband WindEnergie e.V.",
        "Besserwisser eG",
        "Department of Justice and Border Patrol",
        # A postal address: a company, a town, a country.
        "Olympia-Verlag GmbH, Nürnberg, Germany",
        "Kirche und Leben, Münster, Germany",
    ],
)
def test_stated_non_names_are_rejected(raw: str) -> None:
    assert stated_names(raw) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Vom Krimiblogger", ["Krimiblogger"]),  # German "by the"
        ("Auteur Anna Kubišta", ["Anna Kubišta"]),  # French "author"
        ("Mario Rossi e Anna Bianchi", ["Mario Rossi", "Anna Bianchi"]),  # Italian "and", a word of its own
    ],
)
def test_stated_names_lose_other_languages_labels(raw: str, expected: list[str]) -> None:
    assert stated_names(raw) == expected


def _facts(head: str = "", body: str = "") -> PageFacts:
    return page_facts(parse_html(f"<html><head>{head}</head><body><h1>Storm hits the coast</h1>{body}</body></html>"))


def _jsonld(author: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", "author": author})}</script>'


SITE = '<meta property="og:site_name" content="Harbour Gazette">'


def test_page_authors_prefers_the_people_metadata_names() -> None:
    site_as_author = '<meta name="author" content="Harbour Gazette">'
    page = _facts(SITE + site_as_author + _jsonld({"@type": "Person", "name": "Nayane"}))
    assert page_authors("Harbour Gazette", page, url="https://harbourgazette.example/a") == ["Nayane"]
    several = _facts(_jsonld([{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}]))
    assert page_authors(None, several) == ["Jane Doe", "John Roe"]


def test_page_authors_takes_one_schema_object_not_every_related_article() -> None:
    main = _jsonld({"@type": "Person", "name": "Lisa Jennings"})
    related = _jsonld([{"@type": "Person", "name": "Bret Thorn"}, {"@type": "Person", "name": "Joe Roe"}])
    assert page_authors(None, _facts(main + related)) == ["Lisa Jennings"]


def test_page_authors_falls_back_to_the_byline_then_the_markup() -> None:
    assert page_authors("BeauHD", _facts()) == ["BeauHD"]  # trafilatura's byline, one word as printed
    spans = _facts(body='<div><span>By</span><a href="/people/jane">Jane Doe</a></div>')
    assert page_authors(None, spans) == ["Jane Doe"]
    microdata = _facts(body='<div itemprop="author" itemscope><span itemprop="name">Sam O\'Brien</span></div>')
    assert page_authors(None, microdata) == ["Sam O'Brien"]
    label = '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Chase Bernath">'
    yoast = _facts(label)
    assert page_authors(None, yoast) == ["Chase Bernath"]
    # A "By" line in the markup is held to the strict idea of a name.
    assert page_authors(None, _facts(body="<p>By the numbers</p>")) == []
    # A name the markup states on purpose (a `rel=author` link, microdata, the Twitter label) is one as
    # written, even of one word; a "By" line with one word is not.
    vcard = '<span class="author vcard"><a class="url fn n" href="/author/daniel" rel="author">Daniel</a></span>'
    assert page_authors(None, _facts(body=vcard)) == ["Daniel"]
    assert page_authors(None, _facts(body="<p>By Daniel</p>")) == []
    verfasst = '<meta name="twitter:label1" content="Verfasst von"><meta name="twitter:data1" content="Karoline Herr">'
    assert page_authors(None, _facts(verfasst)) == ["Karoline Herr"]


def test_page_authors_credits_an_organisation_only_when_no_person_is_named() -> None:
    org = _facts(SITE + _jsonld({"@type": "Organization", "name": "Harbour Gazette"}))
    assert page_authors(None, org) == ["Harbour Gazette"]
    with_byline = _facts(SITE + _jsonld({"@type": "Organization", "name": "Harbour Gazette"}))
    assert page_authors("Maria Lopez", with_byline) == ["Maria Lopez"]
    assert page_authors(None, _facts('<meta name="author" content="Everfit Team">')) == ["Everfit Team"]


def test_page_authors_skip_cms_accounts_and_menu_links() -> None:
    # Dublin Core creator often holds the account that saved the page; a name there still counts.
    assert page_authors(None, _facts('<meta name="dcterms.creator" content="veena">')) == []
    assert page_authors(None, _facts('<meta name="dc.creator" content="Anna Müller">')) == ["Anna Müller"]
    menu = '<nav><ul><li class="menu-item"><a href="/author/xavierlo/">Xavier Lo</a></li></ul></nav>'
    assert page_authors(None, _facts(body=menu)) == []
    byline = '<div class="post-meta"><a href="/author/xavierlo/">Xavier Lo</a></div>'
    assert page_authors(None, _facts(body=byline)) == ["Xavier Lo"]
    # "All by ...": a link to the author's other posts; the name beside it is the byline.
    more = '<a rel="author" href="/autor/mj">Alles von Martin Junker</a><a rel="author" href="/mj">Martin Junker</a>'
    assert page_authors(None, _facts(body=more)) == ["Martin Junker"]


def test_page_authors_keep_a_wire_agency_beside_the_reporters() -> None:
    assert page_authors("Meg Kinnard; Errin Haines; Associated Press", _facts()) == [
        "Meg Kinnard",
        "Errin Haines",
        "Associated Press",
    ]


def test_page_authors_rejects_links_handles_and_companies() -> None:
    handle = _facts(_jsonld({"@type": "Person", "name": "brandon-peaktwo"}))
    assert page_authors("Brandon-Peaktwo", handle) == []  # trafilatura's capitalised copy of the user name
    links = _facts('<meta property="article:author" content="https://www.facebook.com/gazette/">')
    assert page_authors("Www Facebook Com", links) == []
    assert page_authors(None, _facts('<meta name="author" content="SmartEtailing Inc">')) == []
    # A site's address as its author: trafilatura's rewriting of the statement newsbeam turned down adds nothing.
    address = _facts('<meta name="author" content="hessenschau.de, Frankfurt, Germany">')
    assert page_authors("Hessenschau De; Frankfurt; Germany", address) == []
    assert page_authors("Anna Muster", address) == ["Anna Muster"]  # a byline of its own still counts
    # A domain the page states, or its own host, that trafilatura spelt out as a name.
    linked = _facts('<meta name="author" content="Frank Bueltge - http://bueltge.de">')
    assert page_authors("Frank Bueltge; Bueltge De", linked) == ["Frank Bueltge"]
    assert page_authors("Freiheit Org", _facts(), url="https://www.freiheit.org/de/a") == []
    # A profile's path is no domain: the byline's name stands.
    profile = _facts('<meta name="author" content="https://www.facebook.com/luis.holuch">')
    assert page_authors("Luis Holuch", profile) == ["Luis Holuch"]


def test_a_column_credit_is_no_author() -> None:
    # A bank's blog signs its posts with the column's name: what it publishes, not who wrote it.
    byline = '<p class="article-author-details">By <span>Citadel Financial Tips</span> | September 07, 2023</p>'
    assert page_authors("Citadel Financial Tips; September", _facts(body=byline)) == []
    assert stated_names("Expert Insights") == []
    assert author_names("By Money Tips") == []
    # A blog's own credit still names its writers.
    assert page_authors(None, _facts('<meta name="author" content="Paycom Blog">')) == ["Paycom Blog"]


def test_page_authors_are_clean_already() -> None:
    # The tag stage cleans authors again (stated=True): what a page gave must come through unchanged.
    for found, page in [
        ("Jane Doe, Senior Reporter", _facts()),
        (None, _facts(_jsonld({"@type": "Person", "name": "kirstin boatto"}))),
        (None, _facts('<meta name="author" content="TOI Lifestyle Desk">')),
        ("Morgan & Morgan", _facts()),
    ]:
        names = page_authors(found, page)
        assert names
        assert clean_authors(names, stated=True) == names


def test_markup_bylines_are_an_elements_own_by_line() -> None:
    body = (
        "<p>By Jane Doe</p>"
        "<div>\n  by   John Roe</div>"
        '<div>Written by <a href="/people/ann">Ann Lee</a></div>'
        '<span>By</span><a href="/people/sam">Sam Poe</a>'
        "<p>Byron Bay hosts the festival</p>"  # a word starting with "By" is no byline
        "<p>Stand by me</p>"
        "<div>Story <b>by</b> Max Mustermann</div>"  # only an element's first own text is read
    )
    assert _facts(body=body).bylines == ["By Jane Doe", "by John Roe", "Written by Ann Lee", "Sam Poe"]
