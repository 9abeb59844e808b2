"""Date evidence from text, URLs and ISO strings, and the choice among candidates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.article import DATE_SOURCES
from transforms import dates
from transforms.dates import choose_date, parse_iso, text_dates, url_date
from transforms.document import DateEvidence

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
    assert choose_date([text, url, html], REF) is html
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
