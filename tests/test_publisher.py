"""The publisher: the name a page gives its site, chosen among everything the page states, not the first
name trafilatura meets (pages as news sites write them: fundus's publishers, the htmldate and WCXB pages)."""

from __future__ import annotations

import pytest

from transforms.tag import publisher_name
from transforms.text.page import PageFacts, page_facts, parse_html
from transforms.text.publisher import site_name


def facts(meta: dict[str, list[str]] | None = None, jsonld: list[dict[str, object]] | None = None) -> PageFacts:
    return PageFacts(jsonld=list(jsonld or []), meta=dict(meta or {}))


def article(publisher: object) -> dict[str, object]:
    return {"@type": "NewsArticle", "headline": "Council approves harbour budget", "publisher": publisher}


HEADLINE = "Council approves harbour budget"


@pytest.mark.parametrize(
    ("page", "sitename", "url", "expected"),
    [
        # The statements agree: og:site_name as stated.
        (
            facts({"og:site_name": ["Harbour Gazette"]}),
            "Harbour Gazette",
            "https://harbourgazette.example/a",
            "Harbour Gazette",
        ),
        # A tagline trafilatura took from the WebSite's description or title, while the article's publisher
        # names the host.
        (
            facts(jsonld=[article({"@type": "Organization", "name": "9News"})]),
            "Breaking Australian and World News Headlines",
            "https://www.9news.com.au/world/a",
            "9News",
        ),
        # A company's legal name loses to the brand og:site_name states.
        (
            facts(
                {"og:site_name": ["El País"]}, [article({"@type": "Organization", "name": "Ediciones EL PAÍS S.L."})]
            ),
            "Ediciones EL PAÍS S.L.",
            "https://elpais.com/internacional/a",
            "El País",
        ),
        # og:site_name holding a section ("Security") loses to the name that is the host's.
        (
            facts({"og:site_name": ["Security"], "application-name": ["heise online"]}),
            "Security",
            "https://www.heise.de/news/a",
            "heise online",
        ),
        # A name stated with the publisher's city and country.
        (facts({"publisher": ["DER SPIEGEL, Hamburg, Germany"]}), None, "https://www.spiegel.de/a", "DER SPIEGEL"),
        # A name with a tagline keeps the segment that names the host...
        (facts({"og:site_name": ["HearYa - Indie Music Blog"]}), None, "http://www.hearya.com/2006/a", "HearYa"),
        (
            facts({"og:site_name": ["Achtsam durch die Krise | Die FURCHE"]}),
            None,
            "https://www.furche.at/a",
            "Die FURCHE",
        ),
        (
            facts({"og:site_name": ["Boston News, Weather, Sports | WHDH 7News"]}),
            None,
            "https://whdh.com/news/a",
            "WHDH 7News",
        ),
        # ...unless the whole is the host's name.
        (facts({"og:site_name": ["Osthessen|News"]}), None, "https://osthessen-news.de/a", "Osthessen|News"),
        # A domain added in brackets is dropped.
        (facts({"og:site_name": ["Deutsche Welle (www.dw.com)"]}), None, "https://www.dw.com/de/a", "Deutsche Welle"),
        # A name over a bare domain when both name the host (here by its initials).
        (
            facts(
                {"og:site_name": ["FAZ.NET"]},
                [article({"@type": "Organization", "name": "Frankfurter Allgemeine Zeitung"})],
            ),
            "Frankfurter Allgemeine Zeitung",
            "https://www.faz.net/aktuell/a",
            "Frankfurter Allgemeine Zeitung",
        ),
        # A name over the site's account name in lower case, and over trafilatura's title-casing of it.
        (
            facts({"og:site_name": ["usatoday"]}, [article({"@type": "Organization", "name": "USA TODAY"})]),
            "usatoday",
            "https://www.usatoday.com/story/news/a",
            "USA TODAY",
        ),
        (
            facts({"og:site_name": ["Detroitnews"]}, [article({"@type": "Organization", "name": "The Detroit News"})]),
            "detroitnews",
            "https://www.detroitnews.com/story/a",
            "The Detroit News",
        ),
        # But a bare domain that is the site's own name beats a person's name that stands alone.
        (
            facts({"og:site_name": ["rete-mirabile.net"]}, [{"@type": "Person", "name": "Andreas Kalt"}]),
            "rete-mirabile.net",
            "https://rete-mirabile.net/notizen/a",
            "rete-mirabile.net",
        ),
    ],
)
def test_site_name_picks_the_name_the_site_goes_by(
    page: PageFacts, sitename: str | None, url: str, expected: str
) -> None:
    assert site_name(page, sitename, HEADLINE, url) == expected


@pytest.mark.parametrize(
    ("page", "sitename"),
    [
        (facts(), "人民网版权所有"),  # a copyright line
        (facts(), "Copyright © 2001-2009"),
        (facts(), "https://www.facebook.com/akkurier"),  # a social profile's address
        (facts({"twitter:site": ["@gazette"]}), "twitter.com"),
        (facts(), "Akkurier_De"),  # a handle, as trafilatura reads `twitter:site`
        (facts(), "web.archive.org"),  # the archive that captured the page
        # A company's legal name that names neither the host nor anything else the page states.
        (facts({"publisher": ["RS-RegioMediaServices Ltd. & Co. KG"]}), None),
        # The headline itself, which trafilatura cuts from a `<title>` without a site name.
        (facts(), HEADLINE),
        (facts(), "Council approves harbour budget, Aalen, 19.5.2007"),
    ],
)
def test_no_name_leaves_the_publisher_to_the_host(page: PageFacts, sitename: str) -> None:
    url = "https://www.ak-kurier.de/akkurier/www/artikel/1"
    assert site_name(page, sitename, HEADLINE, url) is None
    assert publisher_name(site_name(page, sitename, HEADLINE, url), url) == "ak-kurier.de"


def test_site_name_reads_a_whole_page() -> None:
    html = """<html><head><title>Council approves harbour budget - Breaking news, sport, weather</title>
    <meta name="publisher" content="Gazette Medien GmbH">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Harbour Gazette", "alternateName": "Your daily news from the harbour"},
      {"@type": "NewsArticle", "headline": "Council approves harbour budget",
       "publisher": {"@type": "Organization", "name": "Gazette Medien GmbH"}}]}</script>
    </head><body><h1>Council approves harbour budget</h1></body></html>"""
    page = page_facts(parse_html(html))
    name = site_name(page, "Breaking news, sport, weather", HEADLINE, "https://www.harbourgazette.example/a")
    assert name == "Harbour Gazette"
