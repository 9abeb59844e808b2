"""Date evidence from text, URLs and ISO strings, and the choice among candidates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.article import DATE_SOURCES
from schemas.document import DateEvidence
from transforms.text import dates
from transforms.text.dates import choose_date, parse_iso, text_dates, url_date

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
REF = dt.date(2026, 11, 21)
UTC = dt.timezone.utc
# Long enough that a date after it is "in passing", not a dateline.
LEAD = "The talks went on for several hours and ended without any statement from either side. " * 3


def days(evidence: list[DateEvidence]) -> list[dt.date]:
    return [e.value.date() for e in evidence]


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def ev(day: dt.date, source: str, confidence: float, has_time: bool = False) -> DateEvidence:
    value = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
    return DateEvidence(value, source, confidence, has_time=has_time)


# ---- text_dates: formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Officials met on December 20, 2025 in Florida.", [dt.date(2025, 12, 20)]),
        ("Officials met on Dec. 20, 2025 in Florida.", [dt.date(2025, 12, 20)]),
        ("Officials met on 20 December 2025 in Florida.", [dt.date(2025, 12, 20)]),
        ("The filing is dated 2025-12-20 and was posted later.", [dt.date(2025, 12, 20)]),
        ("AUGUST 2, 2013 | 08:06AM PT\nThe host returns.", [dt.date(2013, 8, 2)]),
        ("Sept. 3rd, 2024: the vote passed.", [dt.date(2024, 9, 3)]),
        ("the 5th of December, 2025 was cold", [dt.date(2025, 12, 5)]),
        ("Talks were held on December 20 and 21.", [dt.date(2025, 12, 20), dt.date(2025, 12, 21)]),
        ("Talks were held on December 20–21.", [dt.date(2025, 12, 20), dt.date(2025, 12, 21)]),
        ("Talks were held on 20-21 December.", [dt.date(2025, 12, 20), dt.date(2025, 12, 21)]),
        ("Talks were held on December 20-21, 2024.", [dt.date(2024, 12, 20), dt.date(2024, 12, 21)]),
        ("The envoy arrived on Dec 5th for meetings.", [dt.date(2025, 12, 5)]),
        ("The envoy arrived on December 20 for meetings.", [dt.date(2025, 12, 20)]),
    ],
)
def test_text_date_formats(text: str, expected: list[dt.date]) -> None:
    found = text_dates(text, REF)
    assert days(found) == expected
    for e in found:
        assert e.source == "text"
        assert e.has_time is False
        assert e.value.tzinfo is not None and e.value.utcoffset() == dt.timedelta(0)
        assert (e.value.hour, e.value.minute, e.value.second) == (0, 0, 0)
        assert 0.0 <= e.confidence <= 1.0
        assert e.detail and e.detail in " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "The plan was first floated in October and revised later.",
        "Some 417,000 recruits signed contracts in 2025.",
        "Zelenskyy spoke on Tuesday; Peskov answered on Wednesday.",
        "Russia's full-scale invasion began in February 2022.",
        "© 2025 Newsmax. All rights reserved.",
        "You may 5 times ask and march 3 miles.",  # lower-case "may"/"march" are verbs
        "Turnout was up on May 1,000 ballots and March 5.5% growth.",
        "He died at 91\nwithout any will.",
        "The 20-point plan has 20 points.",
    ],
)
def test_not_day_level_dates(text: str) -> None:
    assert text_dates(text, REF) == []


def test_month_names_are_not_taken_from_inside_words() -> None:
    assert text_dates("The Mayor 20 said the Decembrists 5 marched.", REF) == []


def test_month_glued_to_previous_word_by_extraction() -> None:
    assert days(text_dates("Warren Jeffs charged againJuly 23, 2008. 4:49 pm", REF)) == [dt.date(2008, 7, 23)]


def test_a_number_before_a_dateline_does_not_hide_it() -> None:
    text = "Esther Williams dies at 91\nJune 6th, 2013 7:38pm EDT\nThe swimmer-turned-actress"
    assert days(text_dates(text, REF)) == [dt.date(2013, 6, 6)]


def test_each_day_once_with_its_best_confidence() -> None:
    text = "December 20, 2025 — " + LEAD + "On December 20 the envoy flew home."
    found = text_dates(text, REF)
    assert days(found) == [dt.date(2025, 12, 20)]
    assert found[0].confidence == dates.DATELINE_CONFIDENCE


# ---- text_dates: resolution and range ------------------------------------------------------------------


def test_partial_date_resolves_to_latest_occurrence_not_after_reference() -> None:
    assert days(text_dates("Talks on December 20.", REF)) == [dt.date(2025, 12, 20)]
    assert days(text_dates("Talks on November 21.", REF)) == [dt.date(2026, 11, 21)]
    assert days(text_dates("Talks on November 22.", REF)) == [dt.date(2025, 11, 22)]


def test_partial_date_across_the_year_boundary() -> None:
    ref = dt.date(2026, 1, 3)
    assert days(text_dates("It happened on December 31.", ref)) == [dt.date(2025, 12, 31)]
    assert days(text_dates("It happened on January 2.", ref)) == [dt.date(2026, 1, 2)]
    found = text_dates("Between Dec 30 – Jan 2 the border was shut.", ref)
    assert days(found) == [dt.date(2025, 12, 30), dt.date(2026, 1, 2)]


def test_partial_range_shares_the_year_of_its_first_day() -> None:
    ref = dt.date(2025, 12, 20)
    # The 21st would resolve to 2024 on its own; it belongs to the same 2025 range and is still ahead.
    assert days(text_dates("Talks are set for December 20 and 21.", ref)) == [dt.date(2025, 12, 20)]


def test_leap_day_without_year_goes_back_to_a_leap_year() -> None:
    assert days(text_dates("The contract was signed on February 29.", REF)) == [dt.date(2024, 2, 29)]


def test_impossible_days_are_ignored() -> None:
    assert text_dates("Filed on April 31, 2025 and on 2025-02-30.", REF) == []


def test_future_and_pre_1990_dates_are_discarded() -> None:
    text = "Elections are due on May 3, 2027; the wall fell on November 9, 1989; talks began March 2, 1990."
    assert days(text_dates(text, REF)) == [dt.date(1990, 3, 2)]
    assert text_dates("The summit is on 2026-11-22.", REF) == []
    assert days(text_dates("The summit is on 2026-11-21.", REF)) == [dt.date(2026, 11, 21)]


def test_dateline_is_more_confident_than_a_passing_mention() -> None:
    dateline = text_dates("KYIV, Dec. 20, 2025 (Reuters) - Talks resumed.", REF)
    passing = text_dates(LEAD + "Talks resumed on Dec. 20, 2025 in Kyiv.", REF)
    assert days(dateline) == days(passing) == [dt.date(2025, 12, 20)]
    assert dateline[0].confidence > passing[0].confidence


def test_partial_dates_are_less_confident_than_full_ones() -> None:
    (full,) = text_dates(LEAD + "It ended on December 20, 2025.", REF)
    (partial,) = text_dates(LEAD + "It ended on December 20.", REF)
    assert partial.confidence < full.confidence
    (full_line,) = text_dates("December 20, 2025 — It ended.", REF)
    (partial_line,) = text_dates("December 20 — It ended.", REF)
    assert partial_line.confidence < full_line.confidence
    assert partial.confidence < partial_line.confidence


# ---- text_dates on the seeds -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_text_dates_fall_in_late_december_2025(prefix: str) -> None:
    found = text_dates(seed(prefix), REF)
    assert found, "the seed mentions December 20 and 21"
    best = choose_date(found, REF)
    assert best is not None and best.source == "text"
    assert dt.date(2025, 12, 20) <= best.value.date() <= dt.date(2025, 12, 31)
    # The most recent day mentioned is the estimate.
    assert best.value.date() == max(days(found)) == dt.date(2025, 12, 21)


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_seeds_without_a_day_level_date(prefix: str) -> None:
    # 003 says "in October", "in 2025", weekdays and "© 2025"; 004 says "in February 2022".
    assert text_dates(seed(prefix), REF) == []
    assert choose_date(text_dates(seed(prefix), REF), REF) is None


# ---- choose_date -------------------------------------------------------------------------------------------


def test_source_rank_names_real_sources() -> None:
    assert set(dates.SOURCE_RANK) <= set(DATE_SOURCES)


def test_choose_none_without_candidates() -> None:
    assert choose_date([], REF) is None


def test_source_rank_beats_confidence() -> None:
    feed = ev(dt.date(2025, 12, 1), "feed", 0.3)
    html = ev(dt.date(2025, 12, 2), "html", 0.9)
    url = ev(dt.date(2025, 12, 3), "url", 0.99)
    text = ev(dt.date(2025, 12, 4), "text", 0.6)
    assert choose_date([text, url, html, feed], REF) is feed
    chosen = choose_date([text, url, html], REF)
    assert chosen is not None and (chosen.source, chosen.value) == ("html", html.value)  # the URL's day only doubts it
    assert choose_date([text, url], REF) is url
    sitemap = ev(dt.date(2025, 12, 5), "sitemap", 0.1)
    assert choose_date([html, sitemap], REF) is sitemap


def test_within_a_source_confidence_decides() -> None:
    weak = ev(dt.date(2025, 12, 10), "html", 0.5)
    strong = ev(dt.date(2025, 12, 1), "html", 0.8)
    assert choose_date([weak, strong], REF) is strong


def test_text_dateline_beats_later_passing_mentions() -> None:
    found = text_dates("December 10, 2025 — " + LEAD + "A vote is due on December 15, 2025.", REF)
    assert days(found) == [dt.date(2025, 12, 10), dt.date(2025, 12, 15)]
    best = choose_date(found, REF)
    assert best is not None and best.value.date() == dt.date(2025, 12, 10)


def test_text_without_dateline_takes_the_most_recent_day() -> None:
    text = LEAD + "Talks began on December 2, 2025, resumed on December 14 and paused on December 9."
    best = choose_date(text_dates(text, REF), REF)
    assert best is not None and best.value.date() == dt.date(2025, 12, 14)


def test_choose_ignores_future_candidates() -> None:
    future = ev(dt.date(2027, 1, 1), "feed", 0.95)
    text = ev(dt.date(2025, 12, 4), "text", 0.4)
    assert choose_date([future, text], REF) is text


# ---- url_date --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/world/2025/12/20/russia-peace-plan/",
        "https://example.com/world/2025/12/20",
        "https://example.com/news/2025-12-20/russia-peace-plan",
        "https://example.com/news/russia-peace-plan-2025-12-20.html",
        "https://example.com/news/20251220-russia-peace-plan",
        "https://www.theguardian.com/world/2025/dec/20/russia-peace-plan",
        "https://example.de/media-news/meldungen/20-12-2025",  # day first, unambiguous
    ],
)
def test_url_dates(url: str) -> None:
    found = url_date(url, REF)
    assert found is not None
    assert found.value == dt.datetime(2025, 12, 20, tzinfo=UTC)
    assert found.source == "url"
    assert found.has_time is False
    assert 0.6 <= found.confidence <= 0.8


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://example.com/world/2025/12/",
        "https://example.com/world/2025/12/5-things-to-know-about-the-plan",
        "https://example.com/article/12345678",
        "https://example.com/2027/01/01/election-preview",
        "https://example.com/1985/03/11/archive",
        "https://example.com/news/2025/13/45/x",
        "https://example.com/search?date=2025-12-20",
        "https://example.de/meldungen/03-04-2025",  # March 4th or April 3rd
        "https://example.com/docs/v1.20-12-2025.html",
    ],
)
def test_no_url_date(url: str | None) -> None:
    assert url_date(url, REF) is None


# ---- parse_iso ---------------------------------------------------------------------------------------------


def test_iso_date_only() -> None:
    found = parse_iso("2025-12-20", REF, "feed", 0.9)
    assert found == DateEvidence(dt.datetime(2025, 12, 20, tzinfo=UTC), "feed", 0.9, False, "2025-12-20")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-20T10:30:00Z", dt.datetime(2025, 12, 20, 10, 30, tzinfo=UTC)),
        ("2025-12-20T10:30:00+02:00", dt.datetime(2025, 12, 20, 8, 30, tzinfo=UTC)),
        ("2025-12-20T23:30:00-05:00", dt.datetime(2025, 12, 21, 4, 30, tzinfo=UTC)),
        ("2025-12-20 10:30:15.250", dt.datetime(2025, 12, 20, 10, 30, 15, 250000, tzinfo=UTC)),
        (" 2025-12-20T10:30 ", dt.datetime(2025, 12, 20, 10, 30, tzinfo=UTC)),
    ],
)
def test_iso_datetimes_become_aware_utc(value: str, expected: dt.datetime) -> None:
    found = parse_iso(value, REF, "html", 0.8)
    assert found is not None
    assert found.value == expected
    assert found.value.utcoffset() == dt.timedelta(0)
    assert found.has_time is True
    assert (found.source, found.confidence) == ("html", 0.8)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "2025-13-01",
        "2025-12-32T10:00:00Z",
        "20 December 2025",
        "1989-12-31",
        "2026-11-22",
    ],
)
def test_iso_invalid_future_or_too_old(value: str | None) -> None:
    assert parse_iso(value, REF, "feed", 0.9) is None


def test_iso_time_on_the_reference_day_is_accepted() -> None:
    assert parse_iso("2026-11-21T23:59:00Z", REF, "feed", 0.9) is not None


def test_iso_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="source"):
        parse_iso("2025-12-20", REF, "gossip", 0.9)
    with pytest.raises(ValueError, match="confidence"):
        parse_iso("2025-12-20", REF, "feed", 1.5)


# ---- the publisher's day, and htmldate's output ----------------------------------------------------------------


def test_offset_keeps_the_publishers_day() -> None:
    found = parse_iso("2025-12-20T23:30:00-05:00", REF, "feed", 0.9)
    assert found is not None
    assert found.value == dt.datetime(2025, 12, 21, 4, 30, tzinfo=UTC)
    assert found.day == dt.date(2025, 12, 20) == dates.evidence_day(found)
    utc = parse_iso("2025-12-20T23:30:00Z", REF, "feed", 0.9)
    assert utc is not None and utc.day is None and dates.evidence_day(utc) == dt.date(2025, 12, 20)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-20T10:30:00+0200", dt.datetime(2025, 12, 20, 8, 30, tzinfo=UTC)),  # htmldate's %z
        ("2025-12-20T10:30:00.123Z", dt.datetime(2025, 12, 20, 10, 30, 0, 123000, tzinfo=UTC)),
        ("2025-12-20T10:30+02", dt.datetime(2025, 12, 20, 8, 30, tzinfo=UTC)),
        ("2025-12-20 9:05:00", dt.datetime(2025, 12, 20, 9, 5, tzinfo=UTC)),
    ],
)
def test_more_iso_spellings(value: str, expected: dt.datetime) -> None:
    found = parse_iso(value, REF, "html", 0.8)
    assert found is not None and found.value == expected and found.has_time


def test_a_local_day_after_the_reference_is_not_believed() -> None:
    # 21 November at 23:00 UTC is already the 22nd in Tokyo, which is after the reference day.
    assert parse_iso("2026-11-22T08:00:00+09:00", REF, "feed", 0.9) is None


def test_htmldate_midnight_without_offset_is_a_bare_day() -> None:
    day_only = dates.parse_htmldate("2025-12-20T00:00:00", REF)
    assert day_only is not None and day_only.has_time is False
    timed = dates.parse_htmldate("2025-12-20T14:15:57+0100", REF)
    assert timed is not None and timed.has_time and timed.day == dt.date(2025, 12, 20)
    assert dates.parse_htmldate(None, REF) is None
    assert dates.parse_htmldate("2027-01-01T00:00:00", REF) is None


def test_choose_date_ranges_on_the_publishers_day() -> None:
    late = parse_iso("2026-11-21T22:00:00-05:00", REF, "feed", 0.9)  # 03:00 UTC on the 22nd
    assert late is not None and choose_date([late], REF) is late


def test_xinhua_style_url_day() -> None:
    found = url_date("http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm", REF)
    assert found is not None and found.value.date() == dt.date(2020, 2, 19)


# ---- structured metadata and htmldate: html_date ---------------------------------------------------------------

JSON_LD = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished": "2023-11-09T03:02:34-05:00",\
"dateModified":"2023-11-10T01:00:00Z"}</script>'
MICRODATA = '<time datetime="2023-11-08T21:11:03-05:00" class="pub" itemProp="datePublished">Nov 8</time>'


def test_structured_dates_read_json_ld_then_microdata() -> None:
    html = f"<html><head>{JSON_LD}</head><body>{MICRODATA}<meta itemprop='datePublished' content='2023-11-01'>"
    assert dates.structured_dates(html) == ["2023-11-09T03:02:34-05:00", "2023-11-08T21:11:03-05:00", "2023-11-01"]
    assert dates.structured_dates("<p>datePublished: soon</p>") == []


def test_html_date_agreeing_sources_are_surer() -> None:
    found = dates.html_date("2023-11-09T00:00:00", ["2023-11-09"], None, REF)
    assert found is not None
    assert (dates.evidence_day(found), found.confidence) == (dt.date(2023, 11, 9), dates.HTML_AGREED_CONFIDENCE)
    alone = dates.html_date("2023-11-09T00:00:00", [], None, REF)
    assert alone is not None and alone.confidence == dates.HTML_CONFIDENCE


def test_html_date_takes_the_time_of_the_same_moment() -> None:
    # htmldate found the (URL's) day; JSON-LD states the moment in UTC, after midnight: the day stays.
    found = dates.html_date("2023-11-08T00:00:00", ["2023-11-09T03:28:35Z"], "https://x.example/2023/11/08/a", REF)
    assert found is not None and found.has_time
    assert found.value == dt.datetime(2023, 11, 9, 3, 28, 35, tzinfo=UTC)
    assert dates.evidence_day(found) == dt.date(2023, 11, 8)


def test_html_date_a_stated_offset_gives_the_publishers_day() -> None:
    # htmldate picked an earlier metadata day; datePublished with its New York offset is the next day there.
    found = dates.html_date("2023-11-08T00:00:00", ["2023-11-09T03:02:34-05:00"], None, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2023, 11, 9)
    assert found.value == dt.datetime(2023, 11, 9, 8, 2, 34, tzinfo=UTC)


def test_html_date_utc_stamp_gets_the_local_day_of_the_same_moment() -> None:
    stated = ["2023-11-09T02:11:03+00:00", "2023-11-08T21:11:03-05:00"]
    found = dates.html_date("2023-11-09T02:11:03+0000", stated, None, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2023, 11, 8)
    assert found.value == dt.datetime(2023, 11, 9, 2, 11, 3, tzinfo=UTC)


def test_html_date_disagreement_keeps_htmldate_less_sure() -> None:
    # htmldate prefers the original date over a datePublished that was rewritten on update.
    found = dates.html_date("2021-11-29T00:00:00", ["2022-01-12T14:27:30+00:00"], None, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2021, 11, 29)
    assert found.confidence == dates.HTML_DISPUTED_CONFIDENCE
    assert "datePublished" in found.detail


def test_html_date_drops_a_day_read_from_a_url_slug() -> None:
    url = "https://blog.example/2023/10/3-questions-for-our-team/"
    found = dates.html_date("2023-10-03T00:00:00", ["2023-10-31T08:47:16+00:00"], url, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2023, 10, 31)
    assert dates.html_date("2023-10-03T00:00:00", [], url, REF) is None
    # A real day path is no slug.
    kept = dates.html_date("2023-10-03T00:00:00", [], "https://blog.example/2023/10/03/questions/", REF)
    assert kept is not None and dates.evidence_day(kept) == dt.date(2023, 10, 3)


def test_html_date_structured_only_and_nothing() -> None:
    found = dates.html_date(None, ["not a date", "2025-12-19T08:30:00+01:00"], None, REF)
    assert found is not None and found.confidence == dates.HTML_STRUCTURED_CONFIDENCE
    assert dates.evidence_day(found) == dt.date(2025, 12, 19)
    assert dates.html_date(None, [], None, REF) is None
    assert dates.html_date(None, ["2027-01-01"], None, REF) is None


def test_extract_html_keeps_time_and_offset() -> None:
    from tests.html_samples import news_page
    from transforms.extract import extract_html

    draft = extract_html(news_page(date="2025-12-19"), "https://gazette.example/harbour", REF)
    assert draft is not None
    (found,) = draft.dates
    assert (found.source, found.has_time) == ("html", True)
    assert found.value == dt.datetime(2025, 12, 19, 7, 30, tzinfo=UTC)  # 08:30+01:00 in the page
    assert dates.evidence_day(found) == dt.date(2025, 12, 19)


# ---- days a page does not state: htmldate's fallbacks and modification-only dates --------------------------


_PUBLISHED_META = '<meta property="article:published_time" content="{}">'


def _found(pick: str | None, stated: list[str], html: str) -> DateEvidence:
    """`html_date`'s answer for a page where it must find one."""
    found = dates.html_date(pick, stated, None, REF, html=html)
    assert found is not None
    return found


def _expect(body: str, pick: str | None, day: dt.date, confidence: float | None = None, **page: str) -> None:
    """htmldate picked `pick` on a page whose article holds `body` (`page`: its `head` or `footer`): newsbeam's
    answer is `day` (and `confidence`)."""
    found = _found(pick, [], _page(body=body, **page))
    assert dates.evidence_day(found) == day
    assert confidence is None or found.confidence == confidence


def _page(head: str = "", body: str = "", footer: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in ("The harbour budget passed after a long debate.",) * 6)
    page = f"<html><head>{head}</head><body><article>{body}{paragraphs}</article>"
    return page + f"<footer>{footer}</footer></body></html>"


@pytest.mark.parametrize("footer", ["© 2025 Harbour Gazette", "Copyright 2025", "Harbour Gazette 2025"])
def test_html_date_drops_a_january_first_invented_from_a_year(footer: str) -> None:
    from htmldate import find_date

    html = _page(footer=footer)
    value = find_date(html, extensive_search=True, original_date=True, max_date=REF.isoformat())
    assert value == "2025-01-01"  # htmldate's fallback: what newsbeam must not believe
    assert dates.html_date(value + "T00:00:00", [], None, REF, html=html) is None
    assert dates.html_date(value + "T00:00:00", [], None, REF) is not None  # without the page: as before


def test_html_date_drops_the_first_of_a_month_from_a_month_alone() -> None:
    html = _page(body="<p>Updated March 2021</p>")
    assert dates.html_date("2021-03-01T00:00:00", [], None, REF, html=html) is None


@pytest.mark.parametrize(
    "written", ["1 January 2025", "January 1, 2025", "2025-01-01", "01.01.2025", "1. Januar 2025", "1er janvier 2025"]
)
def test_html_date_keeps_a_first_of_the_month_the_page_writes_out(written: str) -> None:
    _expect(f"<p class='date'>{written}</p>", "2025-01-01T00:00:00", dt.date(2025, 1, 1), footer="© 2025")


def test_html_date_keeps_a_first_of_the_month_stated_in_metadata() -> None:
    head = '<meta property="article:published_time" content="2025-03-01">'
    _expect("", "2025-03-01T00:00:00", dt.date(2025, 3, 1), head=head)


def test_html_date_drops_a_day_only_a_modification_statement_gives() -> None:
    head = '<meta property="article:modified_time" content="2025-11-20T16:06:10+00:00">'
    html = _page(head=head)
    assert dates.html_date("2025-11-20T16:06:10+0000", [], None, REF, html=html) is None
    # ... unless the page shows it, or also states it as the publication
    shown = _page(head=head, body="<p>November 20, 2025</p>")
    assert dates.html_date("2025-11-20T16:06:10+0000", [], None, REF, html=shown) is not None
    published = _page(head=head + '<meta property="article:published_time" content="2025-11-20T09:00:00+00:00">')
    assert dates.html_date("2025-11-20T16:06:10+0000", [], None, REF, html=published) is not None


def test_html_date_a_dropped_pick_keeps_only_a_date_published_the_page_shows() -> None:
    html = _page(footer="© 2025")
    assert dates.html_date("2025-01-01T00:00:00", ["2024-06-03"], None, REF, html=html) is None
    shown = _page(body="<p>3 June 2024</p>", footer="© 2025")
    found = _found("2025-01-01T00:00:00", ["2024-06-03"], shown)
    assert dates.evidence_day(found) == dt.date(2024, 6, 3)


def test_visible_text_leaves_out_scripts_styles_and_comments() -> None:
    html = "<p>Shown &amp; read</p><script>var d = '2025-01-01';</script><style>p{}</style><!-- 2025-01-01 -->"
    assert dates.visible_text(html) == "Shown & read"
    assert not dates.states_day(dates.visible_text(html), dt.date(2025, 1, 1))


def test_extract_html_gives_a_copyright_only_page_no_date() -> None:
    from tests.html_samples import ARTICLE_PARAGRAPHS
    from transforms.extract import extract_html

    body = "".join(f"<p>{p.replace('on Monday ', '')}</p>" for p in ARTICLE_PARAGRAPHS)
    html = f"<html><head><title>Guide</title></head><body><article><h1>Guide</h1>{body}</article>"
    html += "<footer><p>© 2026 Harbour Guide</p></footer></body></html>"
    draft = extract_html(html, "https://guide.example/harbour", REF)
    assert draft is not None and draft.dates == []


def _html(day: dt.date, confidence: float = dates.HTML_CONFIDENCE) -> DateEvidence:
    return DateEvidence(dt.datetime(day.year, day.month, day.day, tzinfo=UTC), "html", confidence, has_time=False)


def test_choose_date_a_page_day_the_url_repeats_is_surer() -> None:
    url = url_date("https://news.example/2023/05/12/harbour-budget", REF)
    assert url is not None
    agreed = choose_date([_html(dt.date(2023, 5, 12)), url], REF)
    assert agreed is not None and agreed.source == "html"
    assert agreed.confidence == dates.HTML_URL_AGREED_CONFIDENCE


def test_choose_date_a_page_day_the_url_contradicts_stays_but_less_sure() -> None:
    url = url_date("https://news.example/2023/05/12/harbour-budget", REF)
    assert url is not None
    disputed = choose_date([_html(dt.date(2023, 5, 14), dates.HTML_AGREED_CONFIDENCE), url], REF)
    assert disputed is not None and dates.evidence_day(disputed) == dt.date(2023, 5, 14)
    assert disputed.confidence == dates.HTML_DISPUTED_CONFIDENCE
    assert choose_date([_html(dt.date(2023, 5, 14))], REF) == _html(dt.date(2023, 5, 14))  # no URL: as it was


def test_date_candidates_of_a_web_page_keep_only_a_dateline_from_its_text() -> None:
    from schemas.document import Draft
    from transforms.tag import date_candidates

    text = "KYIV, Dec. 20, 2025 - Talks resumed.\n" + "Filler sentence about the talks. " * 10
    text += "The treaty was signed on March 3, 2024."
    page = date_candidates(Draft(source="s", source_format="html", kind="html", text=text), REF)
    plain = date_candidates(Draft(source="s", source_format="txt", kind="text", text=text), REF)
    assert [dates.evidence_day(e) for e in page] == [dt.date(2025, 12, 20)]
    assert {dates.evidence_day(e) for e in plain} == {dt.date(2025, 12, 20), dt.date(2024, 3, 3)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("By Daryl Austin Published March 9, 2026 Fasting is", dt.date(2026, 3, 9)),
        ("Written by The Team Published on 2025-12-19 2025 was", dt.date(2025, 12, 19)),
        ("This article was originally published on 26 Sep 2019 at 4pm", dt.date(2019, 9, 26)),
        ("Posted: Dec 12, 2025", dt.date(2025, 12, 12)),
    ],
)
def test_labelled_date(text: str, expected: dt.date) -> None:
    found = dates.labelled_date(text, REF)
    assert found is not None and found.source == "html" and dates.evidence_day(found) == expected


@pytest.mark.parametrize("text", ["Published in 2025 by the council", "Posted March 9", "Published by Reuters"])
def test_no_labelled_date_without_a_full_day(text: str) -> None:
    assert dates.labelled_date(text, REF) is None


def test_html_date_a_labelled_day_wins_over_one_the_page_does_not_show() -> None:
    labelled = "<p class='byline'>By Daryl Austin · Published March 9, 2026</p>"
    _expect(labelled, "2026-09-03T00:00:00", dt.date(2026, 3, 9), dates.HTML_LABELLED_CONFIDENCE)
    # A pick the page shows too stays.
    _expect("<p>September 3, 2026</p><p>Published March 9, 2026</p>", "2026-09-03T00:00:00", dt.date(2026, 9, 3))


# ---- the dateline under the headline ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "day"),
    [
        ("Von Anna Muster 12.03.2021", dt.date(2021, 3, 12)),
        ("Anna Muster, 12. März 2021 - 15:00 Uhr", dt.date(2021, 3, 12)),
        ("Par Loïc Martin | 30 septembre 2018", dt.date(2018, 9, 30)),
        ("Por Ana Ruiz, 3 de mayo de 2020", dt.date(2020, 5, 3)),
        ("By Jo Smith May 14, 2025", dt.date(2025, 5, 14)),
    ],
)
def test_html_date_prefers_the_dateline_under_the_headline_to_a_day_only_the_markup_states(
    byline: str, day: dt.date
) -> None:
    body = f"<h1>Harbour reopens</h1><p>{byline}</p><p>The harbour reopened.</p>"
    _expect(body, "2021-01-20T09:00:00+0000", day, dates.HTML_HEADING_CONFIDENCE)


def test_html_date_a_markup_day_the_page_shows_beats_the_dateline_under_the_headline() -> None:
    body = "<h1>Harbour reopens</h1><p>12.03.2021</p><p>Posted on 20 January 2021 by Anna</p>"
    _expect(body, "2021-01-20T09:00:00+0000", dt.date(2021, 1, 20))


def test_html_date_a_page_without_markup_date_takes_the_dateline_under_the_headline() -> None:
    _expect("<h1>Harbour reopens</h1><p>Interview: Jo Smith 31.03.2020</p>", None, dt.date(2020, 3, 31))


@pytest.mark.parametrize("label", ["Updated", "Last updated:", "Aktualisiert am", "Stand:"])
def test_html_date_an_update_under_the_headline_is_no_publication(label: str) -> None:
    head = _PUBLISHED_META.format("2021-01-20T09:00:00+00:00")
    body = f"<h1>Harbour reopens</h1><p>{label} 12.03.2021</p>"
    # The page never shows the markup's day.
    _expect(body, "2021-01-20T09:00:00+0000", dt.date(2021, 1, 20), dates.HTML_HIDDEN_CONFIDENCE, head=head)


def test_html_date_a_date_in_the_headline_is_no_dateline() -> None:
    html = _page(
        head=_PUBLISHED_META.format("2019-12-26T09:00:00+00:00"),
        body="<h1>Minutes of the meeting of 10 October 2019</h1><p>The board met.</p>",
    )
    assert dates.heading_dateline(html, REF) is None
    found = _found("2019-12-26T09:00:00+0000", [], html)
    assert dates.evidence_day(found) == dt.date(2019, 12, 26)


def test_html_date_a_day_shown_only_in_the_comments_is_not_shown_by_the_page() -> None:
    comments, pick = '<div id="comments"><p>Reader, 22.09.2020</p></div>', "2020-09-22T12:45:17+0200"
    _expect(f"<h1>Tomatoes</h1><p>Anna, 20.09.2020</p><p>Cut them.</p>{comments}", pick, dt.date(2020, 9, 20))
    _expect(f"<h1>Tomatoes</h1><p>Cut them.</p>{comments}", pick, dt.date(2020, 9, 22), dates.HTML_HIDDEN_CONFIDENCE)


def test_html_date_a_day_both_markup_statements_agree_on_keeps_its_confidence_when_hidden() -> None:
    html = _page(body="<h1>Harbour reopens</h1><p>The harbour reopened.</p>")
    found = _found("2021-01-20T09:00:00+0000", ["2021-01-20T09:00:00Z"], html)
    assert found.confidence == dates.HTML_AGREED_CONFIDENCE


@pytest.mark.parametrize("label", ["Last updated on", "Editor's note: we updated this article on"])
def test_html_date_a_day_shown_only_as_the_last_update_is_less_sure(label: str) -> None:
    updated = f"<h1>Harbour reopens</h1><p>By Jo Smith. {label} March 9, 2026</p>"
    _expect(updated, "2026-03-09T00:00:00", dt.date(2026, 3, 9), dates.HTML_UPDATE_CONFIDENCE)
    shown = "<h1>Harbour reopens</h1><p>By Jo Smith, March 9, 2026</p>"
    _expect(shown, "2026-03-09T00:00:00", dt.date(2026, 3, 9), dates.HTML_CONFIDENCE)


def test_html_date_a_day_shown_only_as_an_update_at_the_foot_of_the_page_is_less_sure() -> None:
    """htmldate's pick written only in the footer's "Last Updated" notice: the page's last edit, however the
    day was found, with the confidence of an update (right on about half the pages), not of a hidden day."""
    footer = "<p>This site is published by Harbour Media. Last Updated: January 12, 2026.</p>"
    body = "<h1>Harbour reopens</h1><p>The harbour reopened.</p>" + "<p>Ships came in.</p>" * 6
    _expect(body, "2026-01-12T00:00:00", dt.date(2026, 1, 12), dates.HTML_UPDATE_CONFIDENCE, footer=footer)
    footer = "<p>This site is published by Harbour Media, January 12, 2026.</p>"
    _expect(body, "2026-01-12T00:00:00", dt.date(2026, 1, 12), dates.HTML_HIDDEN_CONFIDENCE, footer=footer)


def test_html_date_a_day_written_only_at_the_foot_of_the_page_gives_way_to_the_dateline() -> None:
    footer = "<p>Related: Harbour fees, 21. Januar 2022</p>"
    body = "<h1>Harbour reopens</h1><p>Von Anna Muster, 1. Februar 2022</p>"
    _expect(body, "2022-01-21T00:00:00", dt.date(2022, 2, 1), footer=footer)


# ---- days nothing vouches for, mastheads, ambiguous and original days ---------------------------------------


def test_html_date_a_day_from_a_link_or_a_script_is_no_evidence() -> None:
    link = '<p>See <a href="https://example.org/news/ct-thermostat-20170725-story.html">the rebates</a>.</p>'
    html = _page(body=f"<h1>Smart thermostats</h1>{link}")
    assert dates.html_date("2017-07-25T00:00:00", [], None, REF, html=html) is None


@pytest.mark.parametrize(
    ("head", "body", "url"),
    [
        (_PUBLISHED_META.format("2017-07-25T08:00:00+00:00"), "", None),  # the markup states it
        ("", "<p>15 июля 2017 ... 25 июля 2017</p>", None),  # the page shows it, in a language not parsed
        ("", "", "https://example.org/2017/07/25/smart-thermostats"),  # the URL gives it
    ],
)
def test_html_date_a_hidden_day_stands_when_something_vouches_for_it(head: str, body: str, url: str | None) -> None:
    html = _page(head=head, body=f"<h1>Smart thermostats</h1>{body}")
    found = dates.html_date("2017-07-25T00:00:00", [], url, REF, html=html)
    assert found is not None and dates.evidence_day(found) == dt.date(2017, 7, 25)


def test_published_in_markup_reads_keys_and_time_elements_in_any_common_form() -> None:
    day = dt.date(2025, 9, 25)
    assert dates.published_in_markup('<meta property="article:published_time" content="Thu, 09/25/2025 - 11:38">', day)
    assert dates.published_in_markup('{"datePublished": "Sep 25, 2025"}', day)
    assert dates.published_in_markup('<time datetime="2025-09-25T10:00:00Z">yesterday</time>', day)
    assert not dates.published_in_markup('<meta property="article:modified_time" content="2025-09-25">', day)
    assert not dates.published_in_markup('<a href="/archive/2025-09-25">archive</a>', day)


def test_html_date_a_masthead_today_gives_way_to_the_byline_under_the_headline() -> None:
    masthead, pick = "<header><p>Friday, December 19, 2025</p></header>", "2025-12-19T00:00:00"
    _expect(f"{masthead}<h1>Tax 101</h1><p>By The Currency editors 12.12.2025</p>", pick, dt.date(2025, 12, 12))
    # The same day shown under the headline too is the page's own.
    both = f"{masthead}<h1>Tax 101</h1><p>By The Currency editors December 19, 2025</p>"
    _expect(both, pick, dt.date(2025, 12, 19))


def test_html_date_an_ambiguous_day_takes_the_reading_the_markup_states() -> None:
    stamp = '<time datetime="2023-10-12T19:38:01Z">10/12/2023 7:38:01 PM</time>'
    html = _page(body=f"<h1>Skiplagging</h1><p>{stamp}</p>")
    found = dates.html_date("2023-12-10T00:00:00", [], None, REF, html=html)  # htmldate read it day first
    assert found is not None and dates.evidence_day(found) == dt.date(2023, 10, 12)
    plain = _page(body="<h1>Skiplagging</h1><p>10/12/2023</p>")
    kept = dates.html_date("2023-12-10T00:00:00", [], None, REF, html=plain)  # nothing to settle it
    assert kept is not None and dates.evidence_day(kept) == dt.date(2023, 12, 10)


def test_html_date_a_meta_publication_in_either_attribute_order_the_page_shows() -> None:
    head = '<meta content="2024-10-08T00:00:00-04:00" property="og:published_time">'
    html = _page(head=head, body="<h1>Pricing data</h1><p>Benchmarks, October 8, 2024</p>")
    assert dates.meta_published_days(html, REF) == [dt.date(2024, 10, 8)]
    found = dates.html_date("2016-07-01T00:00:00", [], None, REF, html=html)  # an invented 1st: dropped
    assert found is not None and dates.evidence_day(found) == dt.date(2024, 10, 8)


def test_html_date_an_original_publication_label_beats_a_later_day_the_page_shows() -> None:
    note = "<p>This article was originally published on 26 Sep 2019 at 4:12pm but has been updated.</p>"
    html = _page(body=f"<h1>Tiny homes</h1><p>30 September 2022</p>{note}")
    found = _found("2022-09-30T00:00:00", [], html)
    assert dates.evidence_day(found) == dt.date(2019, 9, 26)


@pytest.mark.parametrize("label", ["Last active", "Last edited", "Reviewed on"])
def test_heading_dateline_skips_other_labels_of_a_later_edit(label: str) -> None:
    html = _page(body=f"<h1>writeup.md</h1><p>{label} December 20, 2025</p>")
    assert dates.heading_dateline(html, REF) is None


def test_html_date_a_day_shown_only_in_a_readers_comment_is_no_evidence() -> None:
    comments = "<p>Copy link ijsbol commented Dec 18, 2025</p><p>Great write-up.</p>"
    html = _page(body=f"<h1>writeup.md</h1>{comments}")
    assert dates.html_date("2025-12-18T00:00:00", [], None, REF, html=html) is None
    assert dates.shown_anywhere(dates.visible_text(html), dt.date(2025, 12, 18)) is False
    shown = _page(body=f"<h1>writeup.md</h1><p>Posted Dec 18, 2025</p>{comments}")
    assert dates.shown_anywhere(dates.visible_text(shown), dt.date(2025, 12, 18)) is True


@pytest.mark.parametrize(
    "under",
    [
        "<p>De minister groeide na een goed persoonlijk resultaat op 9 juni 2024 uit tot een sterkhouder.</p>",
        "<figure><figcaption>Soldaten in Ländern, wo sie nichts verloren haben (Kundus, 6.12.2010)</figcaption>"
        "</figure>",
        # The end of a period the text speaks of (an offer's, an event's).
        "<p>Beteiligung: Bürger der Stadt Steinheim vom 9.1. - 10.2.2023</p>",
        "<p>Festival: 3 - 5 March 2024</p>",
    ],
)
def test_heading_dateline_a_day_in_a_sentence_or_a_caption_is_no_dateline(under: str) -> None:
    # The page's markup, its URL and htmldate agree on the publication; a day the article's first sentence
    # or a photo's caption mentions does not stand for it.
    html = _page(
        head=_PUBLISHED_META.format("2025-02-02T20:07:46+01:00"), body=f"<h1>Verlinden wordt minister</h1>{under}"
    )
    assert dates.heading_dateline(html, REF) is None
    found = dates.html_date("2025-02-02T20:07:46+0100", ["2025-02-02T20:07:46+01:00"], None, REF, html=html)
    assert found is not None and dates.evidence_day(found) == dt.date(2025, 2, 2)


@pytest.mark.parametrize(
    "byline", ["Karlsruhe, (12.11.2021). Traditionell gedenken", "Von Anna Muster, veröffentlicht am 12.11.2021"]
)
def test_heading_dateline_a_dateline_in_brackets_or_after_a_label_stands(byline: str) -> None:
    html = _page(body=f"<h1>Gedenken</h1><p>{byline} die Gemeinden ihrer Verstorbenen.</p>")
    found = dates.heading_dateline(html, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2021, 11, 12)


def test_heading_dateline_a_list_of_posts_under_the_headline_is_no_dateline() -> None:
    posts = "<p>First finger joint Sunday, 31.03.2019</p><p>A small tool shop Monday, 18.03.2019</p>"
    html = _page(body=f"<h1>Jan's Blog</h1>{posts}<p>Workspaces Sunday, 10.03.2019</p>")
    assert dates.heading_dateline(html, REF) is None
    two = _page(body="<h1>Harbour reopens</h1><p>Published 12.03.2021, updated 14.03.2021</p>")
    found = dates.heading_dateline(two, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2021, 3, 12)


def test_html_date_a_dateline_right_above_the_headline_when_nothing_else_stands() -> None:
    kicker = "<nav><a href='/blog'>Back to all articles</a></nav><p>February 4, 2025 - 11 minutes</p>"
    html = _page(body=f"{kicker}<h1>Cloud computing innovations</h1><p>What does 2025 have in store?</p>")
    found = _found(None, [], html)
    assert dates.evidence_day(found) == dt.date(2025, 2, 4)
    assert found.confidence == dates.HTML_HEADING_CONFIDENCE
    updated = _page(body="<p>Last updated February 4, 2025</p><h1>Cloud computing innovations</h1>")
    assert dates.html_date(None, [], None, REF, html=updated) is None


# ---- reading a page once: the cheaper reads find exactly what the plain regex passes find ---------------------

# Days in many forms, a few of them glued to digits, cut by separators or written with a two-digit year: what a
# long page holds, in miniature.
WRITTEN = (
    "Published 12.03.2021, updated 3/12/21 and 2021-03-12. Von Anna 12. März 2021 · 12 mars 2021 · 12th of "
    "March, 2021 · March 12th, 2021 · Mar. 12 2021 · 1er mars 2021 · 12 de marzo de 2021. Not a day: 112.03.2021, "
    "12.03.20215, 2021-03-123, 5 March 3, 2021, '21 and 1.3.'21. Totals: 2021 2021-2022 21/21 12/03/2021/4 "
) * 3


def _written_days() -> list[dt.date]:
    days = [dt.date(2021, 3, 12), dt.date(2021, 12, 3), dt.date(2021, 3, 1), dt.date(2021, 3, 3), dt.date(2021, 5, 3)]
    return days + [dt.date(2021, 1, 1) + dt.timedelta(days=n) for n in range(0, 365, 7)]


@pytest.mark.parametrize("text", [WRITTEN, WRITTEN[7:], WRITTEN[:-30], "2021", "21/21", ""])
def test_written_spans_are_the_day_patterns_matches(text: str) -> None:
    for day in _written_days():
        expected = [m.span() for m in dates._day_written(day).finditer(text)]
        assert dates._written_spans(text, day) == expected, day
    assert dates._written_spans(WRITTEN, dt.date(2021, 3, 12))  # the text does write that day


def _long_page(comments: str = "") -> str:
    filler = "".join(f"<p>Paragraph {n} of the report &amp; its notes.</p>" for n in range(60))
    script = "<script>var s = '<div class=\"comments\">'; var d = '2021-03-12';</script>"
    return (
        f"<html><head><title>Report</title><style>p {{ color: red }}</style></head><body><h1>Harbour report</h1>"
        f"<!-- 2020-01-01 --><p>By Anna, 12.03.2021</p>{script}{filler}{comments}<footer>© 2021</footer></body></html>"
    )


@pytest.mark.parametrize(
    "comments",
    ["", "<div class='comments'><p>Ben wrote 13.03.2021</p></div>", '<section id="respond"><p>Reply</p></section>'],
)
def test_page_text_is_the_visible_text_and_its_main_part_as_before(comments: str) -> None:
    html = _long_page(comments)
    page = dates._Page(html)
    assert page.text == dates.visible_text(html)
    start = dates._COMMENTS_START.search(html)
    main = page.text if start is None else dates.visible_text(html[: start.start()])
    assert page.main_end == int(len(main) * dates._SHOWN_SHARE)
    assert page.text.startswith(main[: page.main_end])


def test_page_cut_inside_a_script_reads_the_page_whole() -> None:
    # The comment section's markup inside a script is no place to cut the page's text in two.
    html = _long_page().replace("<script>", "<script>document.write('<div class=\"comments\">');", 1)
    start = dates._COMMENTS_START.search(html)
    assert start is not None and dates._visible_before(html, 0, start.start()) is None
    assert dates._Page(html).text == dates.visible_text(html)


@pytest.mark.parametrize(("start", "need"), [(0, 50), (0, 300), (40, 300), (200, 5000)])
def test_visible_head_is_the_start_of_the_visible_text(start: int, need: int) -> None:
    html = _long_page("<div class='comments'><p>Ben wrote 13.03.2021</p></div>")
    assert dates._visible_head(html, start, len(html), need) == dates.visible_text(html[start:])[:need]


@pytest.mark.parametrize(
    ("html", "stated"),
    [
        ('<meta property="article:published_time" content="2021-03-12T10:00:00Z">', True),
        ('<script>{"headline": "x", "datePublished": "2021-03-12"}</script>', True),
        ('<meta name="date" data-x="1" content="2021-03-12">', True),
        ('<meta property="article:modified_time" content="2021-03-12">', False),
        ('<a href="/2021-03-12/">2021-03-12</a><meta name="pubdate" content="2020-01-01">', False),
        ('<meta name="pubdate" content="2020-01-01"> <meta name="date" content="2021-03-12">', True),
    ],
)
def test_states_as_reads_the_statements_the_whole_markup_holds(html: str, stated: bool) -> None:
    whole = {m.group(1) for m in dates._PUBLISHED_STATEMENT.finditer(html)}
    assert ("2021-03-12" in whole) is stated
    assert dates._states_as(dates._PUBLISHED_STATEMENT, html, "2021-03-12") is stated


@pytest.mark.parametrize("text", ["POSTED: Dec 12, 2025", "Originally PUBLISHED on 12 December 2025"])
def test_labelled_date_in_capitals(text: str) -> None:
    found = dates.labelled_date(text, REF)
    assert found is not None and dates.evidence_day(found) == dt.date(2025, 12, 12)


def test_htmldate_pick_reads_a_day_the_page_writes_only_in_its_text() -> None:
    import htmldate

    from transforms.text import page

    body = "<p>Politik</p><p>14. Februar 2012</p><p>Drucken</p><p>Der Text des Artikels steht hier.</p>"
    html = f"<html><head><title>Politik</title></head><body><article><h2>Politik</h2>{body}</article></body></html>"
    tree = page.parse_html(html)
    quick = {**dates.htmldate_options(REF), "extensive_search": False}
    assert htmldate.find_date(tree, **quick) is None  # only the extensive search reads the text
    picked = dates.htmldate_pick(tree, None, REF)
    assert picked is not None and picked.startswith("2012-02-14")


# ---- the page's last update ---------------------------------------------------------------------------------


def _update(html: str) -> DateEvidence | None:
    """The last update the page states, as the Extract stage reads it (`html_dates`)."""
    return dates.html_dates(None, [], None, REF, html)[1]


def _updated_page(byline: str, head: str = "", tail: str = "") -> str:
    line = "of the article about the harbour budget and its dredging plans."
    body = "".join(f"<p>Paragraph {i} {line}</p>" for i in range(12))
    return (
        f"<html><head><title>Harbour budget</title>{head}</head><body><article><h1>Harbour budget</h1>"
        f"<p class='byline'>{byline}</p>{body}</article>{tail}<footer>© 2026 Gazette</footer></body></html>"
    )


@pytest.mark.parametrize(
    ("byline", "day"),
    [
        ("Published March 3, 2025 · Updated March 9, 2025", dt.date(2025, 3, 9)),
        ("Veröffentlicht am 03.03.2025, zuletzt aktualisiert am 09.03.2025", dt.date(2025, 3, 9)),
        ("Stand: 09.03.2025 10:12 Uhr", dt.date(2025, 3, 9)),
        ("publié le 3 mars 2025, mis à jour le 9 mars 2025", dt.date(2025, 3, 9)),
        ("Last updated on 9th March 2025", dt.date(2025, 3, 9)),
        ("Published March 3, 2025 · Updated 2 hours ago", None),
        ("Published March 3, 2025", None),
    ],
)
def test_the_update_a_page_shows(byline: str, day: dt.date | None) -> None:
    found = _update(_updated_page(byline))
    assert (dates.evidence_day(found) if found is not None else None) == day


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:modified_time" content="2025-03-09T14:05:00+01:00">',
        '<meta content="2025-03-09T14:05:00+01:00" property="og:updated_time">',
        '<script type="application/ld+json">{"datePublished": "2025-03-03", '
        '"dateModified": "2025-03-09T14:05:00+01:00"}</script>',
    ],
)
def test_the_update_the_markup_states_keeps_its_time(head: str) -> None:
    found = _update(_updated_page("Published March 3, 2025", head))
    assert found is not None and found.has_time
    assert found.value == dt.datetime(2025, 3, 9, 13, 5, tzinfo=dt.timezone.utc)
    assert dates.evidence_day(found) == dt.date(2025, 3, 9)


def test_the_update_shown_wins_and_takes_the_markups_time_on_the_same_day() -> None:
    same = '<meta property="article:modified_time" content="2025-03-09T14:05:00Z">'
    found = _update(_updated_page("Updated March 9, 2025", same))
    assert found is not None and found.value == dt.datetime(2025, 3, 9, 14, 5, tzinfo=dt.timezone.utc)
    other = '<meta property="article:modified_time" content="2025-06-30T14:05:00Z">'  # a later touch of the record
    found = _update(_updated_page("Updated March 9, 2025", other))
    assert found is not None and dates.evidence_day(found) == dt.date(2025, 3, 9) and not found.has_time


def test_an_update_in_the_comments_or_a_future_one_is_not_the_pages() -> None:
    comments = "<div class='comments'><p>Anna wrote: updated March 20, 2025 with a correction</p></div>"
    assert _update(_updated_page("Published March 3, 2025", tail=comments)) is None
    future = '<meta property="article:modified_time" content="2027-01-01T00:00:00Z">'
    assert _update(_updated_page("Published March 3, 2025", future)) is None


def test_html_dates_gives_the_publication_and_the_update_from_one_reading() -> None:
    html = _updated_page("Published March 3, 2025 · Updated March 9, 2025")
    published, updated = dates.html_dates(None, [], None, REF, html)
    assert published is not None and dates.evidence_day(published) == dt.date(2025, 3, 3)
    assert published == dates.html_date(None, [], None, REF, html=html)
    assert updated is not None and dates.evidence_day(updated) == dt.date(2025, 3, 9)
