"""Tests for the plain-text boilerplate cleaner: the real seeds, each rule class, and look-alike content."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.support import check_invariants, output_lines
from transforms.text.boilerplate import RULES, CleanResult, clean_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

HEADLINE_001 = "Russia rejects and wants to rewrite 20-point peace plan, Bloomberg reports"

# Exactly the boilerplate lines of each seed; everything else in the seeds is content.
SEED_REMOVED: dict[str, dict[str, set[str]]] = {
    "000_a36a2d63ccc73221.txt": {},
    "001_fab9527af4f6b0ab.txt": {
        "ua en ru": {"language_switcher"},
        f"{HEADLINE_001} Photo: Russian President Vladimir Putin (Getty Images)": {
            "photo_caption",
            "repeated_headline",
        },
        "For details on what is included in the US 20-point peace plan for Ukraine, see the RBC-Ukraine material.": {
            "promo"
        },
    },
    "002_5dbc7340132de969.txt": {},
    "003_383210d72824bc91.txt": {
        "Jim Thomas ✉": {"byline"},
        "Jim Thomas is a writer based in Indiana. He holds a bachelor's degree in Political Science, a law "
        "degree from U.I.C. Law School, and has practiced law for more than 20 years.": {"author_bio"},
        "© 2025 Newsmax. All rights reserved.": {"copyright"},
    },
    "004_46723dfe6c79f676.txt": {},
}

SEED_META: dict[str, tuple[str | None, list[str], str | None]] = {
    "000_a36a2d63ccc73221.txt": (None, [], None),
    "001_fab9527af4f6b0ab.txt": (HEADLINE_001, [], None),
    "002_5dbc7340132de969.txt": (None, [], None),
    "003_383210d72824bc91.txt": (None, ["Jim Thomas"], "Newsmax"),
    "004_46723dfe6c79f676.txt": (None, [], None),
}

# Plain reporting used to surround the lines under test, so rules see a realistic article.
LEAD = "Officials in Kyiv said on Tuesday that talks on the draft agreement would resume next week."
BODY = [
    "The talks are expected to focus on security guarantees and the future of frozen assets.",
    "Diplomats from three countries have held several rounds of meetings since the autumn.",
    "A final agreement is not expected before the end of the year, according to two officials.",
]


def read_seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def content_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def article(*lines: str) -> str:
    return "\n\n".join(lines)


def assert_removed(text: str, line: str, rule: str, title_hint: str | None = None) -> CleanResult:
    result = clean_text(text, title_hint=title_hint)
    assert (line, rule) in result.removed, result.removed
    assert line not in output_lines(result)
    return result


def assert_kept(text: str, line: str, title_hint: str | None = None) -> CleanResult:
    result = clean_text(text, title_hint=title_hint)
    assert line in output_lines(result), result.removed
    assert line not in [removed for removed, _ in result.removed]
    return result


# --------------------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------------------


def test_all_seeds_are_covered() -> None:
    assert sorted(path.name for path in SEEDS.glob("*.txt")) == sorted(SEED_REMOVED)


@pytest.mark.parametrize("name", sorted(SEED_REMOVED))
def test_seed_removes_exactly_the_boilerplate(name: str) -> None:
    result = clean_text(read_seed(name))
    expected = SEED_REMOVED[name]
    assert {line for line, _ in result.removed} == set(expected)
    for line, rule in result.removed:
        assert rule in expected[line]


@pytest.mark.parametrize("name", sorted(SEED_REMOVED))
def test_seed_content_survives_unchanged_and_in_order(name: str) -> None:
    raw = read_seed(name)
    result = clean_text(raw)
    expected = [line for line in content_lines(raw) if line not in SEED_REMOVED[name]]
    assert output_lines(result) == expected


@pytest.mark.parametrize("name", sorted(SEED_META))
def test_seed_metadata(name: str) -> None:
    title, authors, publisher = SEED_META[name]
    result = clean_text(read_seed(name))
    assert result.title == title
    assert result.authors == authors
    assert result.publisher == publisher


def test_seed_001_keeps_standalone_headline_and_subheadings() -> None:
    result = clean_text(read_seed("001_fab9527af4f6b0ab.txt"))
    lines = output_lines(result)
    assert lines[0] == HEADLINE_001
    assert lines.count(HEADLINE_001) == 1
    assert "US-Russia negotiations" in lines
    assert "Russia’s demands for the peace plan" in lines


def test_seed_002_keeps_subheadings_and_bullets() -> None:
    raw = read_seed("002_5dbc7340132de969.txt")
    lines = output_lines(clean_text(raw))
    assert "Moscow's Stance on the 20-Point Proposal" in lines
    assert "Key Russian Demands and Sticking Points" in lines
    bullets = [line for line in content_lines(raw) if line.startswith("- ")]
    assert len(bullets) == 4
    assert [line for line in lines if line.startswith("- ")] == bullets


def test_seed_001_with_title_hint() -> None:
    raw = read_seed("001_fab9527af4f6b0ab.txt")
    plain = clean_text(raw)
    hinted = clean_text(raw, title_hint=HEADLINE_001)
    assert hinted.title == HEADLINE_001
    assert hinted.text == plain.text
    assert {line for line, _ in hinted.removed} == set(SEED_REMOVED["001_fab9527af4f6b0ab.txt"])


def test_title_hint_wins_over_leading_line() -> None:
    raw = read_seed("001_fab9527af4f6b0ab.txt")
    result = clean_text(raw, title_hint="  Kremlin wants changes to peace plan  ")
    assert result.title == "Kremlin wants changes to peace plan"
    # The caption line is still a caption even when the hint does not match the text's headline.
    assert f"{HEADLINE_001} Photo: Russian President Vladimir Putin (Getty Images)" not in output_lines(result)


# --------------------------------------------------------------------------------------------------------
# Rule classes on inputs that are not in the seeds
# --------------------------------------------------------------------------------------------------------


# Each kind of furniture and where it stands on the pages it comes from: its index in [LEAD, *BODY] (None: at
# the end). A language switcher above the lead, a caption or photo credit below it, promos and share or
# subscribe prompts after the body.
FURNITURE: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "language_switcher": (
        0,
        (
            "EN | DE | FR",
            "English Español Français",
            "ua / en / ru",
            "[EN] [RU] [UA]",
            "English Русский Українська",
            "UKR ENG",
            "de · fr · it",
        ),
    ),
    "photo_caption": (
        1,
        (
            "Photo: Firefighters at the scene of the strike in Odesa (Getty Images)",
            "Photo credit: Jane Doe/Reuters",
            "(Photo: Reuters)",
            "Image: AFP",
            "Foto: dpa",
            "Photo by Jane Doe/AP",
            "Protesters outside parliament in Tbilisi (AP Photo/Jane Doe)",
            "AFP via Getty Images",
            "Credit: Ministry of Defence",
        ),
    ),
    "promo": (
        None,
        (
            "Read more: Ukraine's winter energy crisis explained",
            "Read also: How sanctions on Russian oil work",
            "READ MORE",
            "See also: The 20-point plan in full",
            "Related: Zelenskyy meets European leaders in Berlin",
            "Related coverage",
            "More on this story",
            "Click here to get the latest updates on the war",
            "For more on the talks, see our live blog.",
            "For details about the sanctions package, read the full report here.",
            "For more information, visit https://example.com/peace-plan",
        ),
    ),
    "share_prompt": (
        None,
        (
            "Share this article",
            "Share on Facebook",
            "Follow us on Twitter",
            "Follow us on X and Telegram for the latest news",
            "Subscribe to our newsletter",
            "Subscribe to our free daily newsletter",
            "Sign up for our morning briefing newsletter",
            "Join our Telegram channel",
            "Download our app",
            "Download the Example News app for iOS and Android",
            "Facebook Twitter WhatsApp Email",
        ),
    ),
}


@pytest.mark.parametrize(("rule", "line"), [(rule, line) for rule, (_, lines) in FURNITURE.items() for line in lines])
def test_furniture_line_is_removed(rule: str, line: str) -> None:
    at, _ = FURNITURE[rule]
    lines = [LEAD, *BODY]
    lines.insert(len(lines) if at is None else at, line)
    assert_removed(article(*lines), line, rule)


def test_repeated_headline_without_hint() -> None:
    headline = "Floods cut off villages across northern Italy"
    text = article(headline, LEAD, *BODY, headline)
    result = clean_text(text)
    assert result.title == headline
    assert output_lines(result) == [headline, LEAD, *BODY]
    assert result.removed == [(headline, "repeated_headline")]


def test_repeated_headline_with_caption_and_hint() -> None:
    headline = "Floods cut off villages across northern Italy"
    caption = f"{headline} Image: Rescue teams in Emilia-Romagna (EPA)"
    text = article(headline, caption, LEAD, *BODY)
    result = assert_removed(text, caption, "photo_caption", title_hint=headline)
    assert output_lines(result) == [headline, LEAD, *BODY]
    assert result.title == headline


def test_repeated_headline_is_matched_loosely() -> None:
    headline = "Floods cut off villages across northern Italy"
    repeat = "FLOODS CUT OFF VILLAGES ACROSS NORTHERN ITALY."
    assert_removed(article(LEAD, headline, *BODY, repeat), repeat, "repeated_headline", title_hint=headline)


def test_title_hint_removes_caption_even_without_standalone_headline() -> None:
    headline = "Floods cut off villages across northern Italy"
    caption = f"{headline} | Photo: Jane Doe"
    result = assert_removed(article(caption, LEAD, *BODY), caption, "photo_caption", title_hint=headline)
    assert result.title == headline


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("By Jane Doe | Email", ["Jane Doe"]),
        ("Jane Doe ✉", ["Jane Doe"]),
        ("✉ Jane Doe", ["Jane Doe"]),
        ("María García-López 📧", ["María García-López"]),
        ("Jane Doe @janedoe", ["Jane Doe"]),
        ("Jane Doe, email the author", ["Jane Doe"]),
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe, John Roe and Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
        ("By Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("BY J.R. SMITH", ["J.R. SMITH"]),
    ],
)
def test_bylines(line: str, authors: list[str]) -> None:
    for position in ("top", "bottom"):
        text = article(line, LEAD, *BODY) if position == "top" else article(LEAD, *BODY, line)
        result = assert_removed(text, line, "byline")
        assert result.authors == authors


def test_byline_split_over_two_lines() -> None:
    result = clean_text(article(LEAD, *BODY, "Jane Doe", "✉"))
    assert output_lines(result) == [LEAD, *BODY]
    assert result.removed == [("Jane Doe", "byline"), ("✉", "byline")]
    assert result.authors == ["Jane Doe"]


def test_authors_deduplicated_in_order() -> None:
    text = article("By John Roe and Jane Doe", LEAD, *BODY, "Jane Doe ✉", "John Roe 📧")
    assert clean_text(text).authors == ["John Roe", "Jane Doe"]


def test_bio_next_to_byline() -> None:
    bio = "Jane Doe is a senior reporter at Example News covering energy."
    result = assert_removed(article("By Jane Doe | Email", bio, LEAD, *BODY), bio, "author_bio")
    assert result.authors == ["Jane Doe"]
    assert output_lines(result) == [LEAD, *BODY]


def test_bio_of_byline_author_with_other_verb() -> None:
    bio = "Jane Doe covers energy markets and climate policy from London."
    result = assert_removed(article(LEAD, *BODY, "Jane Doe ✉", bio), bio, "author_bio")
    assert result.authors == ["Jane Doe"]


@pytest.mark.parametrize(
    "bio",
    [
        "John Roe is a freelance journalist based in Kyiv.",
        "John Roe is the Moscow correspondent for Example News.",
        "John Roe is a contributor to Example Magazine and the author of two books on Ukraine.",
        "John Roe is an editor at the Example Times.",
    ],
)
def test_bio_in_closing_block_without_byline(bio: str) -> None:
    text = article(LEAD, *BODY, bio, "© 2024 Example News. All rights reserved.")
    result = assert_removed(text, bio, "author_bio")
    assert result.authors == ["John Roe"]
    assert result.publisher == "Example News"
    assert output_lines(result) == [LEAD, *BODY]


@pytest.mark.parametrize(
    ("line", "publisher"),
    [
        ("Copyright 2024 The Associated Press. All rights reserved.", "The Associated Press"),
        (
            "Copyright 2024 The Associated Press. All rights reserved. This material may not be published, "
            "broadcast, rewritten or redistributed.",
            "The Associated Press",
        ),
        ("(c) 2023 Reuters", "Reuters"),
        ("Copyright © 2019-2024 Example Media Group. All Rights Reserved.", "Example Media Group"),
        ("© 2025 Example News, Inc. All rights reserved.", "Example News"),
        # Undated "©" lines are as often photo credits as notices: removed, but they name no publisher.
        ("© Kyiv Independent", None),
        ("© Jane Doe/Reuters", None),
        ("Copyright 2024 Getty Images", None),
        ("All rights reserved.", None),
        ("Example News Ltd. All rights reserved.", None),
        ("This material may not be published, broadcast, rewritten or redistributed.", None),
    ],
)
def test_copyright_lines(line: str, publisher: str | None) -> None:
    result = assert_removed(article(LEAD, *BODY, line), line, "copyright")
    assert result.publisher == publisher


def test_publisher_is_the_first_one_named() -> None:
    text = article(LEAD, *BODY, "© 2025 Newsmax. All rights reserved.", "(c) 2023 Reuters")
    assert clean_text(text).publisher == "Newsmax"


def test_rule_names_are_declared() -> None:
    text = article(
        "EN | DE",
        "By Jane Doe | Email",
        LEAD,
        "Photo: Reuters",
        *BODY,
        "Read more: the plan in full",
        "Share this article",
        "© 2024 Example News",
    )
    rules = {rule for _, rule in clean_text(text).removed}
    assert rules == {"language_switcher", "byline", "photo_caption", "promo", "share_prompt", "copyright"}
    assert rules <= set(RULES)


# --------------------------------------------------------------------------------------------------------
# Content that only looks like boilerplate
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # promos
        "Officials urged reporters to see the report before judging the plan, the spokesman said.",
        "For details, the ministry said, the plan runs to 20 pages.",
        "For more than a week, officials refused to see the report.",
        "For more on the row, officials declined to see the report, according to the minutes.",
        "Read more slowly, the teacher advised her pupils.",
        "Related talks between the two sides stalled in March.",
        "See also how the previous agreement collapsed in 2022, the analyst wrote.",
        "Clicking here and there, the app froze, users complained.",
        # copyright
        "The court ruled that copyright in the photos belonged to the agency.",
        "Copyright law in the EU was overhauled in 2019.",
        "Copyright 2024 was a record year for lawsuits against AI companies, lawyers said.",
        "(c) the applicant must file the claim within 30 days.",
        "The contract states that all rights reserved to the author remain with her.",
        # bylines
        "By the end of the week, troops had withdrawn.",
        "By Monday, the talks had stalled.",
        "By The Numbers",
        "By Air And Sea",
        "Contact Jane Doe by email for comment, the ministry said.",
        # photos
        "The photographer, who works for Getty Images, said she was detained for two hours.",
        "Photographs of the site, released by the ministry, show a crater.",
        "Photo by photo, volunteers rebuilt the archive over three decades.",
        # language codes
        "The service is available in en, ru and ua versions, the company said.",
        "no it",
        "German French Russian",
        # share/subscribe
        "Share prices fell 3% on Monday.",
        "Follow us on this road, the soldier told the reporters.",
        "Subscribe to the idea that sanctions work and you will be disappointed, he said.",
        "Join our fight for freedom, the president urged.",
        "Sign up for military service rose sharply, the ministry said.",
    ],
)
def test_lookalike_content_survives_mid_article(line: str) -> None:
    assert_kept(article(LEAD, BODY[0], line, *BODY[1:]), line)


@pytest.mark.parametrize(
    "line",
    [
        "For details, the ministry said, the plan runs to 20 pages.",
        "The court ruled that copyright in the photos belonged to the agency.",
        "By the end of the week, troops had withdrawn.",
        "Jane Roe is a reporter who was detained by police in Minsk last week.",
        "Anna Kowalska, a nurse, said the hospital had run out of fuel.",
    ],
)
def test_lookalike_content_survives_at_the_end(line: str) -> None:
    assert_kept(article(LEAD, *BODY, line), line)


def test_is_a_writer_mid_article_is_not_a_bio() -> None:
    line = "Anna Kowalska is a writer based in Kraków and a longtime critic of the government."
    text = article("By Jane Doe | Email", LEAD, *BODY, line, "She said the protests would continue.")
    result = assert_kept(text, line)
    assert result.authors == ["Jane Doe"]


def test_lead_about_another_journalist_under_byline_is_not_a_bio() -> None:
    line = "John Roe is a reporter at the Kyiv Post who was arrested on Monday, his editor said."
    result = assert_kept(article("By Jane Doe | Email", line, *BODY), line)
    assert result.authors == ["Jane Doe"]


def test_byline_author_quoted_in_article_is_not_a_bio() -> None:
    line = "Jane Doe said the plan had been rewritten several times."
    assert_kept(article("By Jane Doe", line, *BODY), line)


def test_subheading_sharing_words_with_title_survives() -> None:
    title = "Russia rejects and wants to rewrite peace plan"
    subheading = "Russia's demands for the peace plan"
    sentence = f"{title}, officials said, but talks continue."
    text = article(title, LEAD, subheading, *BODY, sentence)
    result = clean_text(text, title_hint=title)
    assert output_lines(result) == [title, LEAD, subheading, *BODY, sentence]


def test_headline_followed_by_more_words_is_not_a_caption() -> None:
    title = "Floods cut off villages across northern Italy"
    line = f"{title} as rivers burst their banks overnight, photo agencies reported."
    assert_kept(article(title, LEAD, line, *BODY), line, title_hint=title)


def test_long_first_paragraph_never_becomes_title() -> None:
    assert clean_text(article(LEAD, *BODY)).title is None
    long_line = " ".join(["Word"] * 40)
    assert clean_text(article(long_line, *BODY)).title is None


def test_headline_with_glued_caption_is_not_taken_as_title() -> None:
    glued = "Floods cut off villages across northern Italy Photo: Rescue teams at work"
    assert clean_text(article(glued, LEAD, *BODY)).title is None


def test_leading_short_headline_becomes_title_but_stays_in_text() -> None:
    headline = "Floods cut off villages across northern Italy"
    result = clean_text(article(headline, LEAD, *BODY))
    assert result.title == headline
    assert output_lines(result)[0] == headline


# --------------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------------

VARIANT_DOCS = [
    article("EN | DE | FR", "By Jane Doe | Email", LEAD, "Photo: Reuters", *BODY, "Share this article"),
    article("Floods hit Italy", "Floods hit Italy Photo: AFP", LEAD, *BODY, "Floods hit Italy"),
    article(LEAD, *BODY, "Jane Doe", "✉", "Jane Doe is a writer based in Rome.", "All rights reserved."),
    article(
        LEAD,
        "John Roe is a writer based in Kyiv.",
        *BODY,
        "Ann Lee is an editor at Example News.",
        "John Roe is a freelance journalist based in Kyiv.",
    ),
    article("Read more: the plan", "For details, the ministry said, the plan runs to 20 pages.", *BODY),
]

EDGE_INPUTS = [
    "",
    " ",
    "\n\n\n",
    "   \t \n \r\n  ",
    "x" * 200_000,
    "word " * 50_000,
    "By " + "Jane Doe and " * 5_000 + "John Roe",
    "For details on " + "the plan " * 10_000 + ", see the report.",
    "\u200b\ufeff\u2060",
    "\u200b\nPhoto: AFP\n\u200b",
    "Ｒｕｓｓｉａ ｒｅｊｅｃｔｓ ｐｌａｎ\nＲｕｓｓｉａ ｒｅｊｅｃｔｓ ｐｌａｎ",
    "مرحبا بالعالم\nעברית English\n中文 日本語 한국어",
    "e\u0301\u0301\u0301 combining marks \U0001f600\U0001f1fa\U0001f1e6",
    "\ud800 lone surrogate",
    "line\x00with\x00nulls\x0bvertical\x0cfeed\u2028sep",
    "©",
    "(c)",
    "By",
    "✉",
    "@",
]


def all_docs() -> list[str]:
    return [read_seed(name) for name in sorted(SEED_REMOVED)] + VARIANT_DOCS


@pytest.mark.parametrize("index", range(len(all_docs())))
def test_invariants_on_seeds_and_variants(index: int) -> None:
    text = all_docs()[index]
    check_invariants(text)
    check_invariants(text, title_hint=HEADLINE_001)


@pytest.mark.parametrize("text", EDGE_INPUTS)
def test_never_raises_on_edge_inputs(text: str) -> None:
    result = clean_text(text)
    assert isinstance(result.text, str)
    check_invariants(text)
    check_invariants(text, title_hint="   ")


def test_empty_inputs_give_empty_result() -> None:
    for text in ("", "   ", "\n \n\t\n"):
        result = clean_text(text)
        assert result == CleanResult(text="", title=None, authors=[], publisher=None, removed=[])


def test_trailing_whitespace_is_stripped_but_content_is_not_rewritten() -> None:
    result = clean_text("  Indented first line of a story.   \n\nSecond line\t \n")
    assert output_lines(result) == ["  Indented first line of a story.", "Second line"]


LINE_POOL = [
    LEAD,
    *BODY,
    "EN | DE",
    "By Jane Doe",
    "Jane Doe",
    "✉",
    "Jane Doe is a writer based in Rome.",
    "John Roe is an editor at Example News.",
    "Photo: AFP",
    "Floods hit Italy",
    "Floods hit Italy Photo: AFP",
    "© 2024 Example News",
    "All rights reserved.",
    "Read more: the plan",
    "Share this article",
    "For details, the ministry said, the plan runs to 20 pages.",
    "By the end of the week, troops had withdrawn.",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(LINE_POOL), st.text(max_size=80)), max_size=12),
    st.one_of(st.none(), st.sampled_from(["Floods hit Italy", "Jane Doe", ""])),
)
# Removing a repeated title can expose a bio at the end; the second pass must not find it first.
@example(["Jane Doe", "Jane Doe is a writer based in Rome.", "Jane Doe"], "Jane Doe")
def test_invariants_on_generated_articles(lines: list[str], title_hint: str | None) -> None:
    check_invariants("\n".join(lines), title_hint=title_hint)


# ---------------------------------------------------------------------------------------------------------
# The Beam stage
# ---------------------------------------------------------------------------------------------------------


def test_clean_text_stage_cleans_every_draft_and_mines_plain_texts_only() -> None:
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline

    from schemas.document import Draft
    from tests.beam_util import check
    from transforms.clean import CleanText

    seed = (SEEDS / "003_383210d72824bc91.txt").read_text(encoding="utf-8")
    # What trafilatura left in a page's text: a share prompt and a wire copyright line.
    html_text = (
        "Already extracted.\nShare on Facebook\n"
        "© 2019 Associated Press. All Rights Reserved. This material may not be published, broadcast, rewritten."
    )
    drafts = [
        Draft(source="003.txt", source_format="txt", kind="text", text=seed),
        Draft(source="p.html", source_format="html", kind="html", text=html_text),
    ]

    def check_drafts(out: list) -> None:
        by_source = {d.source: d for d in out}
        cleaned = by_source["003.txt"]
        assert cleaned.authors == ["Jim Thomas"] and cleaned.publisher == "Newsmax"
        assert "All rights reserved" not in cleaned.text and cleaned.removed_lines == 3
        page = by_source["p.html"]
        assert page.text == "Already extracted." and page.removed_lines == 2
        # A page's publisher and authors are what its markup states, never mined from its text.
        assert page.publisher is None and page.authors == []

    with TestPipeline() as p:
        out, rejected = p | beam.Create(drafts) | CleanText(run_id="r")
        check(out, check_drafts, "Drafts")
        check(rejected, lambda rows: _expect_empty(rows), "NoRejects")


def _expect_empty(rows: list) -> None:
    assert rows == []
