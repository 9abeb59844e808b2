"""The date chain's cheaper forms give the same answers as the plain ones they replace (issue 17).

The regular expressions `html_date` runs over a whole page are written so that the regex engine skips ahead
to candidate characters (a possessive loop instead of a lazy `.*?`, one opening character class instead of an
anchor or two branches); each must still find exactly what its plain form finds. The plain forms live here
as the specification, and generated markup built from the pieces that decide a match is compared on both.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from transforms.text import dates

REF = dt.date(2026, 11, 21)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The plain forms, as the specification.
PLAIN_INVISIBLE = re.compile(
    r"<(script|style|noscript|template|svg)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE
)
PLAIN_PUBLISHED_KEY = re.compile(
    r"""["'](?=[acdfopsw])(?:article:published_time|datePublished|dateCreated|pubdate|publish[-_]?date"""
    r"""|published(?:[-_]?(?:at|date|time|on))?|createdAt|created[-_]at|firstPublished\w*|dc\.date(?:\.issued)?"""
    r"""|dcterms\.(?:created|issued|date)|sailthru\.date|parsely-pub-date|og:published_time|w-published-date"""
    r"""|date)["']"""
    r"""|<time\b""",
    re.IGNORECASE,
)
PLAIN_PUBLISHED_VALUE_FIRST = re.compile(
    r"""\bcontent\s*=\s*["'](\d{4}-\d{2}-\d{2})[^"'<>]*["']"""
    rf"""\s+(?:property|name|itemprop)\s*=\s*["'](?:{dates._PUBLISHED_KEYS})["']""",
    re.IGNORECASE,
)

# Markup made of the pieces that decide where these expressions match and where they stop.
PIECES = [
    "<script>",
    "<SCRIPT type='x'>",
    "</script>",
    "</Script >",
    "</script\n>",
    "</scripts>",
    "<style>",
    "</style>",
    "<svg>",
    "<svgx>",
    "</svg>",
    "<noscript>",
    "</noscript>",
    "<template>",
    "</template>",
    "<!--",
    "-->",
    "--->",
    "-",
    "--",
    "<",
    ">",
    "/",
    "<time",
    "<TIME ",
    "<timer",
    '"',
    "'",
    "datePublished",
    "date",
    "pubDate",
    "content",
    "Content",
    "xcontent",
    "_content",
    "=",
    " ",
    "\n",
    "2024-10-08",
    "T10:00",
    "name",
    "property",
    "og:published_time",
    "a",
    "é",
    "\u017f",
]
MARKUP = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@SETTINGS
@given(MARKUP)
@example("<!---->a<!--->b-->c<!-- a -- b --->")
@example("<script>a</script >b<SCRIPT>c</Script>d<script>e")
@example("<svg>x</svg><svgx>y</svgx></svg>")
@example("<style>a<b</style><script>x</scripts></script>")
def test_invisible_parts_are_those_the_plain_lazy_form_finds(markup: str) -> None:
    assert dates._INVISIBLE.sub(" ", markup) == PLAIN_INVISIBLE.sub(" ", markup)


@SETTINGS
@given(MARKUP)
@example('\'datePublished\'"date"date"<time><TIME datetime>')
def test_publication_keys_are_those_the_plain_form_finds(markup: str) -> None:
    assert _found(dates._PUBLISHED_KEY, markup) == _found(PLAIN_PUBLISHED_KEY, markup)


@SETTINGS
@given(MARKUP)
@example("content='2024-10-08' name='date' xcontent='2024-10-08' name='date'")
@example("Content = \"2024-10-08T00\"  Property='DatePublished'")
def test_value_first_statements_are_those_the_plain_form_finds(markup: str) -> None:
    assert _found(dates._PUBLISHED_VALUE_FIRST, markup) == _found(PLAIN_PUBLISHED_VALUE_FIRST, markup)


@pytest.mark.parametrize(
    ("attribute", "stated"), [("CONTENT", True), ("content", True), ("xcontent", False), ("_content", False)]
)
def test_value_first_statement_starts_at_a_word(attribute: str, stated: bool) -> None:
    html = f'<meta {attribute}="2024-10-08T00:00:00-04:00" property="og:published_time">'
    assert (dates.meta_published_days(html, REF) == [dt.date(2024, 10, 8)]) is stated


def plain_meta_published_days(html: str, reference: dt.date) -> list[dt.date]:
    """`meta_published_days` as a pass of both statements over the whole markup."""
    found: list[dt.date] = []
    for pattern in (dates._PUBLISHED_STATEMENT, dates._PUBLISHED_VALUE_FIRST):
        for match in pattern.finditer(html):
            try:
                day = dt.date.fromisoformat(match.group(1))
            except ValueError:
                continue
            if dates._in_range(day, reference) and day not in found:
                found.append(day)
    return found


STATEMENTS = st.lists(
    st.sampled_from(
        [
            *PIECES,
            "<meta ",
            'name="date" content="',
            "property='article:published_time' content='",
            '"datePublished": "',
            '{"pubdate":"',
            "2024-10-08",
            "2021-03-12T10:00:00Z",
            "2099-01-01",
            "2024-13-45",
            "12024-10-08-09",
            "-10-08",
            '" ',
            '">',
            "/>",
        ]
    ),
    max_size=40,
).map("".join)


@SETTINGS
@given(STATEMENTS)
@example('<meta name="date" content="2024-10-08"><meta content="2021-03-12T1" property="og:published_time">')
@example('{"datePublished": "2024-10-08", "date": "2021-03-12"} <x content="2020-01-02" name="pubdate">')
def test_meta_published_days_are_those_a_pass_over_the_whole_markup_finds(markup: str) -> None:
    assert dates.meta_published_days(markup, REF) == plain_meta_published_days(markup, REF)


BYLINE = "<h1>Der Titel</h1><p>Von Anna Muster 12.03.2021</p>"


@pytest.mark.parametrize(
    "html",
    [
        # Comments above the headline (a sidebar of readers' posts), none after it.
        f'<div class="comments"><p>Ben 01.02.2021</p></div>{BYLINE}<p>Text.</p>',
        # Comments above the headline and after the byline area.
        f'<div class="comments"><p>Ben 01.02.2021</p></div>{BYLINE}<p>Text.</p><div id="comments">Cy</div>',
        # Comments only after the headline, right after the byline.
        f'{BYLINE}<div class="comments"><p>Ben wrote 13.03.2021</p></div>',
        # No comments.
        f"{BYLINE}<p>Text.</p>",
    ],
)
def test_page_dateline_under_the_headline_is_the_one_read_from_the_markup_alone(html: str) -> None:
    # `html_date` reads the byline area with the comments' start it found for the whole page.
    alone = dates.heading_dateline(html, REF)
    assert alone is not None and alone.value.date() == dt.date(2021, 3, 12)
    found = dates.html_date(None, [], None, REF, html=html)
    assert found == alone


def test_comments_inside_the_byline_area_end_it_in_html_date_too() -> None:
    # A reader's dated post right after the headline is no dateline, read alone or by `html_date`.
    html = '<div class="comments">x</div><h1>Titel</h1><div class="comment-body">Ben 13.03.2021</div>'
    assert dates.heading_dateline(html, REF) is None
    assert dates.html_date(None, [], None, REF, html=html) is None
