"""Headlines: a page's title without the site's name or section, checked against what else the page states."""

from __future__ import annotations

import pytest

from transforms.text.page import PageFacts, page_facts, parse_html, site_names
from transforms.text.titles import headline


def facts(
    title_tag: str | None = None,
    h1: list[str] | None = None,
    meta: dict[str, list[str]] | None = None,
    jsonld: list[dict[str, object]] | None = None,
) -> PageFacts:
    return PageFacts(jsonld=list(jsonld or []), meta=dict(meta or {}), title_tag=title_tag, h1=list(h1 or []))


@pytest.mark.parametrize(
    ("title", "page", "url", "expected"),
    [
        # The site's name as og:site_name states it, after a dash or a bar.
        (
            "Walking can boost mood - Harvard Health",
            facts(meta={"og:site_name": ["Harvard Health"]}),
            None,
            "Walking can boost mood",
        ),
        ("Markets slide on rate fears | Reuters", facts(meta={"og:site_name": ["Reuters"]}), None, None),
        # ... or as the host name says it, or as the schema.org publisher names it.
        ("Best CRM software for 2026 - Klaviyo", facts(), "https://www.klaviyo.com/blog/crm", None),
        (
            "Port strike ends | The Daily Planet",
            facts(jsonld=[{"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Daily Planet"}}]),
            None,
            "Port strike ends",
        ),
        # A prefix: site, then section.
        ("Reuters | Politics | Senate passes the budget bill", facts(meta={"og:site_name": ["Reuters"]}), None, None),
        # A section label beside the site's name, and one standing alone after a long headline.
        (
            "How to help toddlers sleep through the night | Patient Education | UC Davis Health",
            facts(),
            "https://health.ucdavis.edu/x",
            "How to help toddlers sleep through the night",
        ),
        ("How meditation rewires brains and improves physical health | Opinion", facts(), None, None),
    ],
)
def test_site_and_section_names_are_dropped(title: str, page: PageFacts, url: str | None, expected: str | None) -> None:
    wanted = (
        expected
        or {
            "Markets slide on rate fears | Reuters": "Markets slide on rate fears",
            "Best CRM software for 2026 - Klaviyo": "Best CRM software for 2026",
            "Reuters | Politics | Senate passes the budget bill": "Senate passes the budget bill",
            "How meditation rewires brains and improves physical health | Opinion": (
                "How meditation rewires brains and improves physical health"
            ),
        }[title]
    )
    assert headline(title, page, url=url) == wanted


@pytest.mark.parametrize(
    "title",
    [
        "Fix It Friday: Struggling With How To Arrange Your Living Room?",  # a colon belongs to the headline
        "Spider-Man returns to the cinema",  # a dash inside a word is no separator
        "Apple unveils a new iPhone - report",  # a lower-case tail is part of the headline
        "Nurses strike - Day 3",  # too short a headline to cut a label from
    ],
)
def test_headlines_without_a_site_name_stay_whole(title: str) -> None:
    assert headline(title, facts(meta={"og:site_name": ["Gazette"]})) == title


def test_the_only_segment_is_never_dropped() -> None:
    # A page titled with its site's name alone keeps it rather than losing its title.
    assert headline("Harbour Gazette", facts(meta={"og:site_name": ["Harbour Gazette"]})) == "Harbour Gazette"


def test_the_h1_wins_when_it_is_the_pages_headline() -> None:
    page = facts(h1=["Top 10 Health and Nutrition Trends to Watch"])
    assert headline("Health And Nutrition Trends For 2026", page) == "Top 10 Health and Nutrition Trends to Watch"


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        # A kicker the page styles apart, run into the headline's text: the title is the headline.
        (
            "Premier League Rückschlag im Titelkampf - Liverpool verliert",
            "Rückschlag im Titelkampf - Liverpool verliert",
        ),
        ("Kultur : Ehrengast der Frankfurter Buchmesse", "Ehrengast der Frankfurter Buchmesse"),
        ("Blog: Best Social Media Agencies in 2025", "Best Social Media Agencies in 2025"),
    ],
)
def test_a_kicker_run_into_the_h1_is_no_part_of_the_headline(h1: str, title: str) -> None:
    assert headline(title, facts(h1=[h1])) == title


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        # The headline's own lead before a colon, and a leading article, are the headline as readers see it.
        ("The 2024 Beauty Awards: The Best Oral Care Products", "The Best Oral Care Products"),
        ("The Best Home Security Cameras of 2026", "Best Home Security Cameras of 2026"),
    ],
)
def test_the_h1_keeps_the_headlines_own_lead(h1: str, title: str) -> None:
    assert headline(title, facts(h1=[h1])) == h1


def test_full_width_and_hangul_bars_separate_the_site_name() -> None:
    japanese = facts(meta={"og:site_name": ["日刊ゲンダイDIGITAL"]})
    assert headline("協賛企業で各競技団体のビジネスモデル完全崩壊へ｜日刊ゲンダイDIGITAL", japanese) == (
        "協賛企業で各競技団体のビジネスモデル完全崩壊へ"
    )
    korean = facts(meta={"og:site_name": ["한국일보"]})
    assert headline("DJ 고향에서 '국민 통합' 외친 이재명ㅣ한국일보", korean) == "DJ 고향에서 '국민 통합' 외친 이재명"


def test_an_h1_that_is_the_site_name_or_off_topic_is_ignored() -> None:
    page = facts(h1=["Ambuja Yoga", "Menu"], meta={"og:site_name": ["Ambuja Yoga"]})
    assert headline("Best Yoga Retreat Travel Insurance Options | Ambuja Yoga", page) == (
        "Best Yoga Retreat Travel Insurance Options"
    )
    unrelated = facts(h1=["Subscribe to our newsletter today"])
    assert headline("Council approves harbour budget", unrelated) == "Council approves harbour budget"


def test_trafilaturas_title_from_a_blogs_name_or_a_heading_with_more_gives_way_to_the_stated_title() -> None:
    # A blog puts its name in the <h1> of every page, and trafilatura takes it for the title.
    blog = facts(
        title_tag="Four Years Remaining » Blog Archive » Interning of Small Integers in Python",
        h1=["Four Years Remaining"],
    )
    url = "http://fouryears.eu/2019/10/21/interning/"
    assert headline("Four Years Remaining", blog, url=url) == "Interning of Small Integers in Python"
    # A heading that runs the byline into the headline.
    byline = facts(title_tag="»Haltet unsere Gewässer sauber!« - Der SeglerBlog aus Berlin")
    long = "»Haltet unsere Gewässer sauber!« Veröffentlicht von SeglerBlog am 23. Februar 2020"
    assert headline(long, byline, url="https://seglerblog.example/sauber/") == "»Haltet unsere Gewässer sauber!«"
    # A section's heading that shares no word with the longer headline the page states.
    section = facts(meta={"og:title": ["Reparaturcafé am 31. Januar"]}, title_tag="Reparaturcafé am 31. Januar: Ahlen")
    assert headline("Aktuelles", section) == "Reparaturcafé am 31. Januar"
    assert headline("Navigation und Service", facts(title_tag="Rede des Bundespräsidenten in Berlin")) == (
        "Rede des Bundespräsidenten in Berlin"
    )
    # A short headline the stated title shares words with is the page's own.
    assert headline("Gaspreise", facts(title_tag="energieverbraucher.de | Gaspreise")) == "Gaspreise"

    kept = facts(title_tag="Der Lange und die alte Dame | Hertha BSC Blog")
    assert headline("Der Lange und die alte Dame", kept, url="http://hertha-blog.de/x") == "Der Lange und die alte Dame"


def test_an_h1_with_its_own_label_is_cleaned_too() -> None:
    page = facts(h1=["How meditation rewires brains and improves physical health | Opinion"])
    title = "How meditation rewires brains and improves physical health | Opinion"
    assert headline(title, page) == "How meditation rewires brains and improves physical health"


def test_without_a_title_the_page_states_one() -> None:
    stated = facts(meta={"og:title": ["Storm hits the coast | Gazette"], "og:site_name": ["Gazette"]})
    assert headline(None, stated) == "Storm hits the coast"
    assert headline(None, facts(title_tag="Storm hits the coast")) == "Storm hits the coast"
    assert headline(None, facts(h1=["Storm hits the coast"])) == "Storm hits the coast"
    assert headline(None, facts()) is None


def test_entities_and_heading_anchors_are_cleaned() -> None:
    assert headline("Actuary&#8217;s Industry Choice", facts()) == "Actuary’s Industry Choice"
    assert headline("Middleware¶", facts()) == "Middleware"


def test_site_names_from_a_parsed_page() -> None:
    html = """<html><head><title>A | Gazette</title><meta property="og:site_name" content="Harbour Gazette">
    <script type="application/ld+json">{"@type": "WebSite", "name": "The Gazette", "alternateName": "HG"}</script>
    </head><body><h1>A</h1></body></html>"""
    names = site_names(page_facts(parse_html(html)), "Gazette Online", "https://news.harbour-gazette.co.uk/a")
    assert {"harbourgazette", "thegazette", "gazetteonline", "news"} <= set(names)
    assert "hg" not in names  # too short to compare safely
