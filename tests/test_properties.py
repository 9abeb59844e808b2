"""Property tests (hypothesis) for the pure functions hostile input reaches first: the text cleaner, the
date resolver, the URL canonicaliser and the partition path builder. Generated inputs are arbitrary
Unicode, not just plausible news, because feeds and pages deliver arbitrary Unicode."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support import check_invariants
from transforms.storage.parquet import partition_dir, partition_value
from transforms.text.boilerplate import clean_text
from transforms.text.dates import (
    MIN_DATE,
    choose_date,
    evidence_day,
    html_date,
    parse_htmldate,
    parse_iso,
    text_dates,
    url_date,
)
from transforms.text.identity import canonical_url

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with what extractors and feeds really deliver: control characters, invisible marks, odd spaces,
# surrogate-free Unicode of every category, line breaks of every kind.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(list("\u00ad\u200b\u200e\ufeff\u2028\u2029\x0b\x0c\x1c\x85\r\n\t \u00a0\u3000")),
    ),
    max_size=400,
)
REFERENCES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


# --- the text cleaner ---------------------------------------------------------------------------------------


@SETTINGS
@given(NASTY, st.one_of(st.none(), NASTY))
@example("\u2028Jane Doe\u2029Jane Doe is a writer.\r\nJane Doe", "Jane Doe")
@example("\x85\x85\x85", None)
def test_cleaner_on_arbitrary_unicode(text: str, title_hint: str | None) -> None:
    """Never raises, never adds or rewrites a line, idempotent; on any Unicode, any line breaks."""
    check_invariants(text, title_hint=title_hint)


@SETTINGS
@given(st.lists(NASTY, max_size=30))
def test_cleaner_never_adds_characters(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = clean_text(text)
    assert len(result.text) <= len(text)
    assert set(result.text) <= set(text) | {"\n"}


# --- the date resolver --------------------------------------------------------------------------------------


def _within(day: dt.date, reference: dt.date) -> bool:
    return MIN_DATE <= day <= reference


DATE_LIKE = st.one_of(
    NASTY,
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)).map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{1,4}[-/. ]\d{1,2}[-/. ]\d{1,4}([T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?)?\Z"),
    st.from_regex(r"\A(\d{1,2} )?(Jan|February|Mar|Sept|Dec)[a-z]* \d{1,2},? (19|20|21|99)\d{2}\Z"),
)


@SETTINGS
@given(DATE_LIKE, REFERENCES, st.sampled_from(["feed", "sitemap", "html", "url", "text"]))
@example("2026-11-22T00:30:00+14:00", dt.date(2026, 11, 21), "feed")
@example("1989-12-31T23:59:59-12:00", dt.date(2026, 11, 21), "feed")
def test_parsed_dates_stay_between_1990_and_the_reference(value: str, reference: dt.date, source: str) -> None:
    found = parse_iso(value, reference, source, 0.9)
    assert found is None or _within(evidence_day(found), reference)
    htmldate = parse_htmldate(value, reference)
    assert htmldate is None or _within(evidence_day(htmldate), reference)


@SETTINGS
@given(st.lists(DATE_LIKE, max_size=6).map(" ; ".join), REFERENCES)
@example("Published 29 February 2024. Updated 31 December 2099", dt.date(2024, 2, 28))
@example("Dec 31 — then on Jan 1 the council met", dt.date(2026, 1, 1))
def test_text_dates_stay_between_1990_and_the_reference(text: str, reference: dt.date) -> None:
    found = text_dates(text, reference)
    assert all(_within(evidence_day(e), reference) for e in found)
    chosen = choose_date(found, reference)
    assert chosen is None or _within(evidence_day(chosen), reference)


@SETTINGS
@given(
    st.one_of(NASTY, st.from_regex(r"\Ahttps?://[a-z.]{1,12}/(\d{1,4}/){0,3}[a-z0-9-]{0,12}(\d{8})?\Z")),
    st.lists(DATE_LIKE, max_size=3),
    st.one_of(st.none(), DATE_LIKE),
    REFERENCES,
)
def test_url_and_html_dates_stay_between_1990_and_the_reference(
    url: str, structured: list[str], htmldate: str | None, reference: dt.date
) -> None:
    from_url = url_date(url, reference)
    assert from_url is None or _within(evidence_day(from_url), reference)
    from_html = html_date(htmldate, structured, url, reference)
    assert from_html is None or _within(evidence_day(from_html), reference)


# --- the URL canonicaliser ----------------------------------------------------------------------------------

TRACKING = ["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid"]
URLS = st.builds(
    lambda scheme, host, path, params, tracking, fragment: (
        f"{scheme}://{host}/{path}?"
        + "&".join([f"{k}={v}" for k, v in params] + [f"{t}=x{i}" for i, t in enumerate(tracking)])
        + (f"#{fragment}" if fragment else "")
    ),
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    st.from_regex(r"\A[a-zA-Z0-9-]{1,12}(\.[a-zA-Z]{2,6}){1,2}(:\d{2,5})?\Z"),
    st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=30),
    st.lists(st.tuples(st.from_regex(r"\A[a-z]{1,6}\Z"), st.text(max_size=8)), max_size=4),
    st.lists(st.sampled_from(TRACKING), max_size=3, unique=True),
    st.text(max_size=6),
)


@SETTINGS
@given(st.one_of(URLS, NASTY, st.sampled_from(["file:///etc/passwd", "javascript:alert(1)", "ftp://x/y", "//x/y"])))
@example("http://[::1")
@example("http://a.example:99999/x")
@example("mailto:a@b.example")
def test_canonical_url_properties(url: str) -> None:
    """Never raises; http(s) only; idempotent; no tracking parameters and no fragment survive."""
    canonical = canonical_url(url)
    if canonical is None:
        return
    parts = urlsplit(canonical)
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert not parts.fragment
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    assert not keys & set(TRACKING)
    assert canonical_url(canonical) == canonical


# --- the partition path builder -----------------------------------------------------------------------------

HOSTILE_SEGMENTS = st.one_of(
    NASTY,
    st.sampled_from(
        ["..", ".", "../..", "/etc", "a/../../b", "..\\..", "%2e%2e", "date=x/topic=y", "C:\\", "\x00", ""]
    ),
)


@SETTINGS
@given(HOSTILE_SEGMENTS)
def test_partition_value_is_one_safe_segment(value: str) -> None:
    slug = partition_value(value)
    assert slug and slug not in (".", "..")
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in slug)
    assert slug == slug.lower()
    assert partition_value(slug) == slug


@SETTINGS
@given(HOSTILE_SEGMENTS, HOSTILE_SEGMENTS)
@example("../../..", "../../etc")
def test_partition_dir_stays_two_levels_below_the_output(date: str, topic: str) -> None:
    output = "/data/articles"
    directory = partition_dir(output, date, topic)
    normalised = posixpath.normpath(directory)
    assert normalised == directory
    assert os.path.commonpath([output, normalised]) == output
    relative = posixpath.relpath(normalised, output).split("/")
    assert len(relative) == 2
    assert relative[0].startswith("date=") and relative[1].startswith("topic=")
