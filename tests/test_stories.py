"""Shingles, MinHash signatures, salient terms, clustering and `assign`: the plain functions behind Dedupe."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SEEDS
from transforms.text import minhash, stories
from transforms.text.identity import content_hash, normalise_text

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)
SEED_TEXTS = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}

WIRE = (
    "The city council approved a budget of 4.2 million euros for the harbour on Tuesday, after a debate "
    "that lasted most of the evening. The mayor said the dredging of the eastern basin would begin in "
    "March and take about eleven weeks. Fishermen from Kettleby had asked for the work for years, saying "
    "silt had made the old quay unusable at low tide. The opposition voted against, arguing that the "
    "money should have gone to the ferry link with Harnsey island instead."
)


def entry(
    text: str,
    name: str,
    *,
    published: dt.datetime | None = None,
    ingested: dt.datetime = NOW,
    story_id: str | None = None,
    story_hint: str | None = None,
    article_id: str | None = None,
) -> stories.Entry:
    return stories.Entry(
        article_id=article_id or name,
        revision=1,
        content_hash=content_hash(text),
        date=(published or ingested).date(),
        published_at=published,
        ingested_at=ingested,
        minhash=minhash.signature(text),
        terms=stories.salient_terms(text, "en"),
        story_id=story_id,
        story_hint=story_hint,
    )


def by_id(assignments: list[stories.Assignment]) -> dict[str, stories.Assignment]:
    return {a.article_id: a for a in assignments}


# --- shingles and signatures


def test_shingles_are_word_triples_of_the_normalised_text() -> None:
    assert minhash.shingles("The  Cat, sat on\nthe MAT.") == {
        b"the cat sat",
        b"cat sat on",
        b"sat on the",
        b"on the mat",
    }
    assert minhash.shingles("Two words") == {b"two words"}
    assert minhash.shingles("  ") == set()


def test_signatures_estimate_jaccard() -> None:
    edited = WIRE.replace("most of the evening", "three hours").replace("eleven weeks", "two months")
    truth = len(minhash.shingles(WIRE) & minhash.shingles(edited)) / len(
        minhash.shingles(WIRE) | minhash.shingles(edited)
    )
    estimate = minhash.jaccard(minhash.signature(WIRE), minhash.signature(edited))
    assert 0.5 < truth < 0.95
    assert abs(estimate - truth) < 0.12  # 128 permutations: standard error ≈ 0.04
    assert minhash.signature(WIRE) == minhash.signature(WIRE.upper())  # normalised text
    assert len(minhash.signature(WIRE)) == minhash.NUM_PERM * 4
    assert minhash.jaccard(minhash.signature(WIRE), minhash.signature(SEED_TEXTS["000"])) < 0.05


def test_signatures_are_datasketchs_minhash() -> None:
    """`minhash.signature` computes datasketch's affine32 MinHash itself (faster); it must stay the same."""
    from datasketch import MinHash

    texts = ["", "one", "two words", "Ünïcödé ＦＵＬＬ ﬁ İstanbul", WIRE, *SEED_TEXTS.values()]
    for text in texts:
        reference = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme=minhash.SCHEME)
        reference.update_batch(minhash.shingles(text))
        assert minhash.signature(text) == np.asarray(reference.hashvalues, dtype="<u4").tobytes()


def test_stored_signatures_do_not_change() -> None:
    """Signatures are persisted under `_state/` and compared with those of later runs."""
    digests = {name: hashlib.sha256(minhash.signature(text)).hexdigest()[:16] for name, text in SEED_TEXTS.items()}
    assert digests == {
        "000": "f2e6fb4b240c0d04",
        "001": "0c533254f2624834",
        "002": "4a19b41974becef5",
        "003": "ee081452eeb70179",
        "004": "bfea2535a1c350dd",
    }
    assert minhash.signature("") == b"\xff" * 4 * minhash.NUM_PERM


def test_near_duplicate_index_finds_only_close_copies() -> None:
    index = minhash.NearDuplicateIndex(0.5)
    index.add(1, minhash.signature(WIRE))
    index.add(2, minhash.signature(SEED_TEXTS["000"]))
    index.add(3, minhash.signature(WIRE + " The vote was 21 to 14."))
    assert index.candidates(minhash.signature(WIRE.replace("Tuesday", "Monday"))) == [1, 3]
    assert index.candidates(minhash.signature(SEED_TEXTS["004"])) == []
    strict = minhash.NearDuplicateIndex(0.99)  # datasketch alone would pick a single band here
    strict.add(7, minhash.signature(WIRE))
    assert strict.candidates(minhash.signature(" ".join(WIRE.split()))) == [7]
    with pytest.raises(ValueError):
        minhash.NearDuplicateIndex(0.0)
    with pytest.raises(ValueError):
        minhash.hashvalues(b"\x00" * 12)


# --- salient terms


def test_salient_terms_favour_rare_words_and_have_unit_length() -> None:
    terms = stories.salient_terms(WIRE, "en")
    names = [w for w, _ in terms]
    assert len(terms) == stories.STORY_TERMS
    assert {"kettleby", "harnsey", "dredging"} <= set(names[:10])
    assert "the" not in names and "and" not in names
    assert abs(sum(x * x for _, x in terms) - 1.0) < 1e-9
    assert [x for _, x in terms] == sorted((x for _, x in terms), reverse=True)
    assert stories.salient_terms(WIRE, "xx") == stories.salient_terms(WIRE, "en")  # unknown language: English
    assert stories.salient_terms("", "en") == ()


def test_salient_terms_are_the_plain_formula() -> None:
    """`salient_terms` precomputes rarities and sorts few candidates; the answer is the formula's, exactly."""

    frequencies = {language: stories._frequencies(language) for language in ("en", "de")}

    def plain(text: str, language: str) -> stories.Terms:
        counts = Counter(w for w in re.findall(r"\w+", normalise_text(text)) if len(w) >= 2)
        freqs = frequencies[language]
        weights = {
            w: (1.0 + math.log(n)) * (-math.log(freqs.get(w, stories.UNKNOWN_FREQUENCY))) ** stories.IDF_POWER
            for w, n in counts.items()
        }
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: stories.STORY_TERMS]
        norm = math.sqrt(sum(x * x for _, x in top)) or 1.0
        return tuple((w, x / norm) for w, x in top)

    for text in [WIRE, "a b", "Kettleby " * 40, *SEED_TEXTS.values()]:
        for language in ("en", "de"):
            assert stories.salient_terms(text, language) == plain(text, language)
    assert stories.salient_terms("a b c", "en") == ()  # one-letter words only


def test_cosine() -> None:
    a = dict(stories.salient_terms(SEED_TEXTS["000"], "en"))
    b = dict(stories.salient_terms(SEED_TEXTS["001"], "en"))
    assert stories.cosine(a, a) == pytest.approx(1.0)
    assert stories.cosine(a, b) == pytest.approx(stories.cosine(b, a))
    assert stories.cosine(a, {}) == 0.0


def test_candidate_index_needs_two_shared_salient_terms() -> None:
    index = stories.CandidateIndex(max_postings=2)
    one = (("alpha", 0.6), ("beta", 0.5), ("gamma", 0.4))
    index.add(1, one)
    index.add(2, (("alpha", 0.7), ("delta", 0.7)))
    index.add(3, (("beta", 0.7), ("gamma", 0.7)))
    assert index.candidates(one) == {1, 3}  # 2 shares only "alpha"
    index.add(4, (("beta", 0.7), ("gamma", 0.7)))
    # ("beta", "gamma") now has 3 postings > max_postings: too common to mark a story
    assert index.candidates(one) == {1}


# --- clustering


def test_average_link_merges_by_mean_similarity() -> None:
    # 0-1 strongly similar, 2 similar to 0 only: mean with {0,1} is (0.5 + 0) / 2 = 0.25
    weights = {(0, 1): 0.9, (0, 2): 0.5}
    assert stories.average_link([1, 1, 1], [False] * 3, weights, 0.2) == [0, 0, 0]
    roots = stories.average_link([1, 1, 1], [False] * 3, weights, 0.3)
    assert roots[0] == roots[1] != roots[2]
    # two fixed clusters (earlier stories) never merge, even through a new node
    roots = stories.average_link([1, 1, 1], [True, True, False], {(0, 2): 0.9, (1, 2): 0.8}, 0.2)
    assert roots[0] != roots[1] and roots[2] == roots[0]
    # a fixed cluster of 4 articles needs a mean over all 4
    assert len(set(stories.average_link([4, 1], [True, False], {(0, 1): 0.6}, 0.2))) == 2
    assert len(set(stories.average_link([4, 1], [True, False], {(0, 1): 0.9}, 0.2))) == 1


def test_seeds_stories() -> None:
    """000, 001, 002 report one Bloomberg story; 003 is the same week's Kremlin response to the same
    20-point plan; 004 is March's 30-day-ceasefire demands."""
    got = by_id(stories.assign([entry(text, name) for name, text in SEED_TEXTS.items()], []))
    assert got["000"].story_id == got["001"].story_id == got["002"].story_id == got["003"].story_id
    assert got["004"].story_id != got["000"].story_id
    assert all(a.duplicate_of is None for a in got.values())  # rewrites, not copies
    assert got["000"].story_id == stories.story_id_for(content_hash(SEED_TEXTS["000"]))


def test_assignments_do_not_depend_on_input_order() -> None:
    entries = [entry(text, name) for name, text in SEED_TEXTS.items()]
    entries.append(entry(WIRE, "wire"))
    entries.append(entry(WIRE.replace("Tuesday", "Monday"), "copy"))
    expected = stories.assign(entries, [])
    for seed in range(3):
        shuffled = list(entries)
        random.Random(seed).shuffle(shuffled)
        assert stories.assign(shuffled, []) == expected


def test_near_duplicate_points_at_the_earliest() -> None:
    first = entry(WIRE, "first", published=NOW - dt.timedelta(hours=5))
    second = entry(WIRE + " The vote was 21 to 14.", "second", published=NOW - dt.timedelta(hours=3))
    third = entry(WIRE.replace("Tuesday", "Monday"), "third", published=NOW - dt.timedelta(hours=1))
    got = by_id(stories.assign([third, first, second], []))
    assert got["first"].duplicate_of is None
    assert got["second"].duplicate_of == "first" and got["third"].duplicate_of == "first"
    assert len({a.story_id for a in got.values()}) == 1
    # above a stricter threshold the edits are not near-duplicates any more
    strict = by_id(stories.assign([third, first, second], [], near_duplicate_threshold=0.99))
    assert all(a.duplicate_of is None for a in strict.values())
    # an earlier run's copy comes first, even if published later
    earlier = entry(WIRE, "earlier", published=NOW, ingested=NOW - dt.timedelta(days=1), story_id="s-old")
    again = by_id(stories.assign([entry(WIRE + " Update.", "late", published=NOW - dt.timedelta(hours=9))], [earlier]))
    assert again["late"].duplicate_of == "earlier" and again["late"].story_id == "s-old"


def test_a_near_duplicate_is_in_its_originals_story_however_many_copies(caplog: pytest.LogCaptureFixture) -> None:
    hour = dt.timedelta(hours=1)
    seeds = [
        entry(SEED_TEXTS[k], k, published=NOW - 48 * hour + int(k) * hour) for k in ("000", "001", "002", "003", "004")
    ]
    wire = [entry(WIRE + f" Copy {k}.", f"wire-{k}", published=NOW - (60 - k) * hour) for k in range(60)]
    copies_of_004 = [
        entry(SEED_TEXTS["004"] + f" Updated {k}.", f"004-{k}", published=NOW - 40 * hour + k * hour) for k in range(30)
    ]
    with caplog.at_level(logging.DEBUG, logger="transforms.text.stories"):
        got = by_id(stories.assign([*copies_of_004, *wire, *seeds], []))
    # only the six originals are clustered: at most 15 pairs compared, not one per pair of the 95 articles
    (compared,) = [int(m.group(1)) for r in caplog.records if (m := re.search(r"(\d+) comparisons", r.getMessage()))]
    assert compared <= 15
    # each copy names the earliest one, and is in its story
    assert {got[f"wire-{k}"].duplicate_of for k in range(1, 60)} == {"wire-0"}
    assert {got[f"004-{k}"].duplicate_of for k in range(30)} == {"004"}
    assert len({got[f"wire-{k}"].story_id for k in range(60)}) == 1
    assert {got[f"004-{k}"].story_id for k in range(30)} == {got["004"].story_id}
    # thirty copies of 004 do not pull it into the story of 000-003, nor sixty wire copies anything anywhere
    assert got["000"].story_id == got["001"].story_id == got["002"].story_id == got["003"].story_id
    assert len({got["000"].story_id, got["004"].story_id, got["wire-0"].story_id}) == 3


def test_revisions_are_not_near_duplicates_of_themselves() -> None:
    old = entry(WIRE, "a1", ingested=NOW - dt.timedelta(days=1), story_id="s-a")
    new = entry(WIRE + " Corrected.", "a2", article_id="a1", story_hint="s-a")
    (got,) = stories.assign([new], [old])
    assert got.duplicate_of is None and got.story_id == "s-a"


def test_new_articles_join_earlier_stories_and_earlier_stories_never_merge() -> None:
    yesterday = NOW - dt.timedelta(days=1)
    s000 = entry(SEED_TEXTS["000"], "000", ingested=yesterday, story_id="s-plan")
    s004 = entry(SEED_TEXTS["004"], "004", ingested=yesterday, story_id="s-ceasefire")
    got = by_id(stories.assign([entry(SEED_TEXTS["001"], "001"), entry(SEED_TEXTS["002"], "002")], [s000, s004]))
    assert got["001"].story_id == got["002"].story_id == "s-plan"
    # a new article as close to both earlier stories joins one of them; they stay two stories
    got = by_id(stories.assign([entry(SEED_TEXTS["002"], "002")], [s000, s004]))
    assert got["002"].story_id in {"s-plan", "s-ceasefire"}


def test_window_separates_dated_articles_only() -> None:
    day = dt.datetime(2025, 12, 21, tzinfo=dt.timezone.utc)
    a = entry(SEED_TEXTS["000"], "a", published=day)
    b = entry(SEED_TEXTS["001"], "b", published=day + dt.timedelta(days=30))
    undated = entry(SEED_TEXTS["002"], "c")
    apart = by_id(stories.assign([a, b], [], window_days=7))
    assert apart["a"].story_id != apart["b"].story_id
    together = by_id(stories.assign([a, b], [], window_days=60))
    assert together["a"].story_id == together["b"].story_id
    with_undated = by_id(stories.assign([a, undated], [], window_days=7))
    assert with_undated["a"].story_id == with_undated["c"].story_id
    # a year guessed for "December 21" in passing (confidence 0.3, transforms/text/dates.py) keeps nothing apart
    guessed = stories.Entry(**{**b.__dict__, "date_confidence": 0.3})
    assert not stories.firmly_dated(guessed) and stories.firmly_dated(b)
    loose = by_id(stories.assign([a, guessed], [], window_days=7))
    assert loose["a"].story_id == loose["b"].story_id
    assert stories.window_bounds([day.date(), day.date() + dt.timedelta(days=3)], 7) == (
        dt.date(2025, 12, 14),
        dt.date(2025, 12, 31),
    )
    assert stories.window_bounds([], 7) is None


def test_assign_with_nothing_new() -> None:
    assert stories.assign([], [entry(WIRE, "old", story_id="s")]) == []


def test_seed_files_exist() -> None:
    assert sorted(SEED_TEXTS) == ["000", "001", "002", "003", "004"], Path(SEEDS)


def test_an_undated_text_takes_the_latest_own_day_of_its_story() -> None:
    dated = entry(SEED_TEXTS["000"], "000", published=dt.datetime(2025, 12, 20, tzinfo=dt.timezone.utc))
    later = entry(SEED_TEXTS["001"], "001", published=dt.datetime(2025, 12, 21, tzinfo=dt.timezone.utc))
    undated = entry(SEED_TEXTS["002"], "002")
    alone = entry(WIRE, "wire")
    new = [dated, later, undated, alone]
    assignments = stories.assign(new, [])
    story = by_id(assignments)
    assert story["002"].story_id == story["000"].story_id == story["001"].story_id != story["wire"].story_id
    days = stories.story_days(assignments, new, [])
    # Only the undated member of a dated story gets a day: not the dated ones, not an undated story.
    assert days == {undated.content_hash: dt.date(2025, 12, 21)}


def test_a_story_day_comes_from_earlier_members_too_but_not_from_story_dated_ones() -> None:
    earlier = entry(
        SEED_TEXTS["000"], "000", published=dt.datetime(2025, 12, 20, tzinfo=dt.timezone.utc), story_id="s-1"
    )
    story_dated = stories.Entry(
        **{**entry(SEED_TEXTS["001"], "001", story_id="s-1").__dict__, "date": dt.date(2025, 12, 30)}
    )
    undated = entry(SEED_TEXTS["002"], "002")
    assignments = [stories.Assignment(undated.content_hash, "002", None, "s-1")]
    assert stories.story_days(assignments, [undated], [earlier, story_dated]) == {
        undated.content_hash: dt.date(2025, 12, 20)
    }
    assert stories.story_days(assignments, [undated], [story_dated]) == {}
