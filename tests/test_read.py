"""ReadLocal: formats, encodings and every unreadable input ending as a rejected row."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import given
from hypothesis import strategies as st

from tests.beam_util import check
from transforms.read import ReadLocal, _blank, expand_inputs, parse_jsonl_record
from transforms.web.charset import declared_charset, decode, sniff_binary


def _run(patterns: list[str], check_docs, check_rejected, max_bytes: int = 1_000_000) -> None:
    with TestPipeline() as p:
        docs, rejected, _ = p | ReadLocal(patterns, run_id="r1", max_bytes=max_bytes)
        check(docs, check_docs, "Docs")
        check(rejected, check_rejected, "Rejected")


def test_reads_each_format_and_rejects_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain text article.\nSecond line.\n", encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"text": "From JSONL", "url": "https://example.com/x", "title": "X"})
        + "\n\n"
        + "{not json\n"
        + json.dumps({"html": "<p>h</p>", "source": "wire"})
        + "\n"
        + json.dumps(["a list"])
        + "\n"
        + json.dumps({"url": "https://example.com/none"})
        + "\n"
        + json.dumps({"text": 42})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "fake.html").write_bytes(b"%PDF-1.7\n binary pretending")

    def check_docs(docs: list) -> None:
        by_source = {d.source: d for d in docs}
        assert by_source[str(tmp_path / "a.txt")].kind == "text"
        assert by_source[str(tmp_path / "b.html")].kind == "html"
        assert by_source["https://example.com/x"].title == "X"
        assert by_source["https://example.com/x"].content == "From JSONL"
        assert by_source["wire"].kind == "html"
        assert len(docs) == 4

    def check_rejected(rejected: list) -> None:
        reasons = sorted((Path(r.source.split("#")[0]).name, r.reason) for r in rejected)
        assert reasons == [
            ("bin.txt", "binary-content"),
            ("c.jsonl", "invalid-json"),
            ("c.jsonl", "invalid-record"),
            ("c.jsonl", "invalid-record"),
            ("c.jsonl", "missing-content"),
            ("doc.pdf", "unsupported-format"),
            ("empty.txt", "empty"),
            ("fake.html", "binary-content"),
        ]
        assert all(r.stage == "read" and r.run_id == "r1" and r.detail for r in rejected)
        jsonl_lines = sorted(r.source.rsplit("#", 1)[1] for r in rejected if "#" in r.source)
        assert jsonl_lines == ["L3", "L5", "L6", "L7"]

    _run([str(tmp_path)], check_docs, check_rejected)


def test_non_utf8_bytes_are_decoded_by_detection(tmp_path: Path) -> None:
    text = "Der Bürgermeister äußerte sich zur Lage in München und Köln. " * 5
    (tmp_path / "latin1.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))

    def check_docs(docs: list) -> None:
        assert sorted(d.content.strip() for d in docs) == [text.strip(), text.strip()]
        assert "utf-8" not in {d.encoding for d in docs}

    _run([str(tmp_path / "*.txt")], check_docs, lambda rejected: _assert_equal(rejected, []))


def test_a_file_named_twice_is_read_once_and_size_is_capped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("short article text", encoding="utf-8")
    (tmp_path / "big.txt").write_text("x" * 5000, encoding="utf-8")
    _run(
        [str(tmp_path), str(tmp_path / "a.txt")],
        lambda docs: _assert_equal([Path(d.source).name for d in docs], ["a.txt"]),
        lambda rejected: _assert_equal([(Path(r.source).name, r.reason) for r in rejected], [("big.txt", "too-large")]),
        max_bytes=1000,
    )


def _assert_equal(actual: object, expected: object) -> None:
    assert actual == expected


def test_jsonl_record_parsing() -> None:
    doc = parse_jsonl_record('{"text": "t", "published": "2025-12-20T10:00:00Z"}', "f.jsonl#L1")
    assert (doc.source, doc.kind, doc.published) == ("f.jsonl#L1", "text", "2025-12-20T10:00:00Z")
    assert doc.updated is None
    assert parse_jsonl_record('{"text": "t", "updated": "2025-12-21"}', "f.jsonl#L2").updated == "2025-12-21"
    with pytest.raises(ValueError, match="missing-content"):
        parse_jsonl_record('{"text": "   "}', "s")


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Die Regierung in Kiew prüft den überarbeiteten Friedensplan, sagte ein Sprecher am Dienstag.", "cp1252"),
        ("Le président a déclaré que la réforme était nécessaire pour l'économie française.", "latin-1"),
        ("Министр заявил, что переговоры о мирном плане продолжаются на этой неделе.", "cp1251"),
        ("Министр заявил, что переговоры о мирном плане продолжаются на этой неделе.", "koi8-r"),
        ("Minister powiedział w środę, że rozmowy pokojowe będą kontynuowane w przyszłym tygodniu.", "cp1250"),
        ("Ο υπουργός δήλωσε ότι οι διαπραγματεύσεις για το ειρηνευτικό σχέδιο συνεχίζονται.", "cp1253"),
        ("Short text with a BOM and ünïcode.", "utf-16"),
    ],
)
def test_decode_recovers_legacy_encodings(text: str, codec: str) -> None:
    body = (text + " ") * 4
    decoded, _ = decode(body.encode(codec))
    assert decoded.strip() == body.strip()


def test_declared_html_charset_wins_over_guessing() -> None:
    page = '<html><head><meta charset="iso-8859-7"></head><body><p>Καλημέρα κόσμε</p></body></html>'
    data = page.encode("iso-8859-7")
    assert declared_charset(data) == "iso8859-7"
    assert decode(data, declared_charset(data))[0] == page
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">') == "cp1251"
    assert declared_charset(b"<meta charset=no-such-codec>") is None


def test_helpers() -> None:
    assert sniff_binary(b"plain words\n") is None
    assert sniff_binary(b"\x89PNG\r\n") == "png"
    assert decode("naïve".encode())[0] == "naïve"
    assert expand_inputs(["/definitely/not/a/dir/x.txt"]) == ["/definitely/not/a/dir/x.txt"]


@pytest.mark.parametrize("controls", [0, 9, 10, 11, 50, 200])
@pytest.mark.parametrize("control", [1, 8, 14, 27, 31])
def test_sniff_binary_counts_control_bytes_but_not_whitespace(controls: int, control: int) -> None:
    """More than one byte in ten a control byte (tab, line ends, vertical tab and form feed are not) is binary."""
    text = bytes([control]) * controls + b"a" * (100 - controls)
    assert sniff_binary(text) == ("binary" if controls > 10 else None)
    assert sniff_binary(b"\t\n\x0b\x0c\r" * 40 + text[:10]) is None
    assert sniff_binary(b"a" * 8192 + bytes([control]) * 9000) is None  # only the first 8 KiB are looked at


def test_read_with_assert_that(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("one", encoding="utf-8")
    (tmp_path / "two.txt").write_text("two", encoding="utf-8")
    with TestPipeline() as p:
        docs, rejected, _ = p | ReadLocal([str(tmp_path / "*.txt")], run_id="r", max_bytes=100)
        assert_that(docs | beam.Map(lambda d: d.content), equal_to(["one", "two"]), label="Docs")
        assert_that(rejected, equal_to([]), label="NoRejects")


@pytest.mark.parametrize("range_bytes", [1, 7, 64, 1000, 10_000])
def test_jsonl_ranges_cover_every_line_once(tmp_path: Path, range_bytes: int) -> None:
    import random

    from transforms.read import plan_ranges

    rng = random.Random(range_bytes)
    lines = [("x" * rng.randint(0, 300)) for _ in range(200)]
    data = ("\n".join(lines) + ("\n" if range_bytes % 2 else "")).encode()  # with and without a final newline
    path = tmp_path / "big.jsonl"
    path.write_bytes(data)
    ranges = list(plan_ranges(str(path), len(data), range_bytes=range_bytes))
    assert ranges[0].start == 0 and ranges[-1].end == len(data)
    assert all(a.end == b.start for a, b in itertools.pairwise(ranges))
    assert all(r.whole == (len(ranges) == 1) for r in ranges)
    for r in ranges:
        assert r.start == 0 or data[r.start - 1 : r.start] == b"\n"  # every slice starts at a line
        assert r.first_line == data[: r.start].count(b"\n") + 1  # and knows its line number
    if range_bytes < len(data) // 4:
        assert len(ranges) > 3


def test_a_jsonl_file_read_in_many_ranges_gives_each_record_once(tmp_path: Path) -> None:
    from transforms.read import plan_ranges

    path = tmp_path / "many.jsonl"
    # No url: the source is then the line (`<path>#L<n>`), which is what this checks.
    records = [json.dumps({"text": f"record {i} " + "w" * (i % 40)}) for i in range(60)]
    lines = []
    for i, record in enumerate(records):
        lines.append(record)
        if i % 7 == 0:
            lines.append("")  # blank lines are skipped but still counted in line numbers
    lines.insert(30, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = sorted(f"{path}#L{n}" for n, line in enumerate(lines, start=1) if line.startswith('{"'))
    bad_line = lines.index("{not json") + 1
    assert len(list(plan_ranges(str(path), path.stat().st_size, 50))) > 30  # ~1 record a range

    def docs_once(docs: list) -> None:
        assert sorted(d.source for d in docs) == expected
        assert sorted(d.content for d in docs) == sorted(json.loads(r)["text"].strip() for r in records)

    def one_reject(rejected: list) -> None:
        assert [(r.source, r.reason) for r in rejected] == [(f"{path}#L{bad_line}", "invalid-json")]

    with TestPipeline() as p:
        docs, rejected, _ = p | ReadLocal([str(path)], run_id="r1", range_bytes=50)
        check(docs, docs_once, "Docs")
        check(rejected, one_reject, "Rejected")


def test_an_empty_jsonl_file_is_rejected_once(tmp_path: Path) -> None:
    (tmp_path / "blank.jsonl").write_text("\n\n   \n", encoding="utf-8")

    def no_docs(docs: list) -> None:
        assert docs == []

    def empty(rejected: list) -> None:
        assert [r.reason for r in rejected] == ["empty"]

    _run([str(tmp_path / "blank.jsonl")], no_docs, empty)
    # larger than a range: still one input, rejected once, not split into ranges that each find nothing
    (tmp_path / "blank.jsonl").write_text("\n" * 5000, encoding="utf-8")
    with TestPipeline() as p:
        docs, rejected, _ = p | ReadLocal([str(tmp_path / "blank.jsonl")], run_id="r1", range_bytes=100)
        check(docs, no_docs, "BigDocs")
        check(rejected, empty, "BigRejected")


def test_utf8_with_a_stray_byte_stays_utf8() -> None:
    """A UTF-8 page with one invalid byte was decoded whole as a single-byte code page ("weiß" became
    "weiÃ\\x9f"): the stray byte is replaced and the rest stays UTF-8, declared or not."""
    page = '<meta charset="utf-8"><p>Die Straße ist weiß und kühl.</p>'.encode() + b"\xe9" + "<p>Grüße</p>".encode()
    text, encoding = decode(page, declared_charset(page))
    assert encoding == "utf-8"
    assert "weiß" in text and "Grüße" in text and text.count("\ufffd") == 1
    assert not any("\x80" <= c <= "\x9f" for c in text)
    # Declared otherwise (a common mislabel), many valid UTF-8 characters against one stray byte still win.
    body = ("Über die Brücke gehen Müller, Weiß und Gößmann. " * 3).encode() + b"\x96"
    assert decode(body, "iso-8859-1") == (body.decode("utf-8", "replace"), "utf-8")


def test_a_single_byte_page_is_not_taken_for_utf8() -> None:
    """A windows-1252 page holds no valid UTF-8 sequence: one é is not a stray byte of UTF-8."""
    body = "Le café est fermé – dit-il.".encode("cp1252")
    assert decode(body) == ("Le café est fermé – dit-il.", "cp1252")


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Die Wahl – so der Sprecher – war „knapp“, sagte Müller.", "cp1252"),
        ("Minister powiedział w środę – jak podała agencja – że rozmowy będą kontynuowane.", "cp1250"),
        ("Премьер заявил – как сообщает агентство – что переговоры продолжатся.", "cp1251"),
    ],
)
def test_a_declared_code_page_that_decodes_cleanly_is_honoured(text: str, codec: str) -> None:
    """Guessing once read pages declared windows-1252 or -1250 as iso-8859-2, with C1 controls where "–"
    and "ś" belong; the declared charset decodes them cleanly, so it is used."""
    page = f'<html><head><meta charset="{codec}"></head><body><p>{text}</p></body></html>'
    data = page.encode(codec)
    assert decode(data, declared_charset(data)) == (page, codec)


def test_c1_controls_count_against_a_codec() -> None:
    """iso-8859-1 is read as windows-1252, as browsers do (its quotes sit where iso-8859-1 has C1
    controls); a declared codec that yields C1 controls loses to one that does not."""
    assert declared_charset(b'<meta charset="ISO-8859-1">') == "cp1252"
    assert declared_charset(b'<meta charset="gb2312">') == "gb18030"
    quoted = "Er sagte: „Wir schaffen das“ – und ging."
    assert decode(quoted.encode("cp1252"), "iso-8859-1")[0] == quoted
    polish = "Powiedział w środę, że „rozmowy” – jak co tydzień – będą kontynuowane. " * 3
    text, _ = decode(polish.encode("cp1250"), "iso-8859-2")  # a wrong label: ś is 0x9c in cp1250
    assert not any("\x80" <= c <= "\x9f" for c in text)
    assert text == polish


def test_mojibake_already_in_a_page_is_repaired() -> None:
    """Pages saved after a wrong decoding hold mojibake as valid UTF-8 ("fÃ¼r", "â\\x80\\x9c"), and C1
    controls are windows-1252 punctuation read as iso-8859-1: both are repaired; correct text is untouched."""
    damaged = (
        "<p>Berichte Ã¼ber die â\x80\x9cWahlâ\x80\x9d, sagte der Sprecher\x92s Team.</p>\n<p>Groß, naïve – „gut“</p>"
    )
    assert (
        decode(damaged.encode())[0]
        == "<p>Berichte über die “Wahl”, sagte der Sprecher’s Team.</p>\n<p>Groß, naïve – „gut“</p>"
    )
    correct = "<p>Le Sénat a voté « l'égalité\xa0» ; Łódź, Ä… nicht, NESCAFÉ®, ß\xadvoll</p>"
    assert decode(correct.encode()) == (correct, "utf-8")
    assert not any("\x80" <= c <= "\x9f" for c in decode("a\x81b\x8dc".encode())[0])


@given(
    st.binary(max_size=12)
    | st.lists(st.sampled_from([b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\xa0", b"x"])).map(b"".join)
)
def test_a_blank_line_is_what_strips_to_nothing(data: bytes) -> None:
    assert _blank(data) == (not data.strip())
