"""Bytes to text the way browsers read web pages, without mojibake; plain (no Beam).

A declared charset that decodes cleanly is honoured (with the WHATWG labels browsers use), a page that is
UTF-8 but for a few stray bytes stays UTF-8, C1 control characters count against the code page that produced
them, and only pages that hold a mojibake sequence are handed to ftfy's encoding repairs.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer
import ftfy
from charset_normalizer.md import mess_ratio

# Signatures of common binary formats that sometimes arrive with a text extension.
_MAGIC = {
    b"%PDF": "pdf",
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF8": "gif",
    b"\x7fELF": "elf",
}


# Control bytes text does not hold (all but tab, line feed, vertical tab, form feed and carriage return), counted
# in C: every JSONL record is sniffed as it is read.
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of `data`, or None when it looks like text."""
    head = data[:8192]
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    if b"\x00" in head:
        # UTF-16/32 text has NULs too; a BOM says so.
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return None
        return "binary"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if head and controls / len(head) > 0.1:
        return "binary"
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE_BYTES = 64 * 1024
_FALLBACK_CODECS = ["cp1250", "cp1251", "cp1253", "iso8859-2", "koi8-r", "iso8859-15"]
# Initial/final quotes, dashes, spaces and connectors sit next to letters in any language.
_LEGIT_NEXT_TO_LETTERS = {"Pi", "Pf", "Pd", "Pc", "Zs", "Mn", "Mc"}
# What browsers decode a declared label as (the WHATWG Encoding Standard's label table): pages labelled
# iso-8859-1 or ascii are written in windows-1252 (its curly quotes and dashes sit where iso-8859-1 has C1
# controls), and the older CJK labels name subsets of the encodings pages really use.
_WEB_CODECS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    # A `<meta>` cannot declare UTF-16 (the bytes would not be readable as ASCII): browsers take UTF-8.
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}
# C1 controls (U+0080-U+009F) never belong in text: they are bytes 0x80-0x9F read with a code page that has
# no characters there (iso-8859-x), where the page's own code page has quotes, dashes or letters.
_C1 = re.compile("[\x80-\x9f]")
_ASCII_BYTES = bytes(range(128))
# UTF-8 read as a single-byte code page, the usual mojibake ("Ã©" for "é", "â€™" for "’", "Ĺ›" for "ś"): the
# first byte of a sequence as those code pages show it, then its continuation bytes (0x80-0xBF). First bytes
# of two-byte sequences are those of Latin, Greek, Cyrillic, Hebrew and Arabic letters ("Ã", "Ð", ...),
# of three-byte ones "à"-"ï" (punctuation, CJK). Only a page holding such a sequence (or a C1 control) is
# given to ftfy, whose test of the whole page is too slow for every page.
_MOJIBAKE_CODECS = ("cp1252", "cp1250", "iso8859-2", "latin-1")
_CONTINUATIONS = "".join(
    sorted({c for codec in _MOJIBAKE_CODECS for c in bytes(range(0x80, 0xC0)).decode(codec, "ignore")})
)
_LEADS_2, _LEADS_3 = "ÂÃÄÅĂĹÎÏÐÑ×ØÙ", "à-ï"
_CONT = f"[{re.escape(_CONTINUATIONS)}]"
_CONT_NO_NBSP = f"[{re.escape(_CONTINUATIONS.replace(chr(0xA0), ''))}]"  # "é\xa0»" is French typography
# One character set first (fast to scan for), the rest checked behind it.
_SUSPECT = re.compile(
    f"[\\x80-\\x9f{_LEADS_2}{_LEADS_3}]"
    f"(?:(?<=[\\x80-\\x9f])|(?<=[{_LEADS_2}]){_CONT}|(?<=[{_LEADS_3}]){_CONT_NO_NBSP}{_CONT})"
)
_BOUNDS = ("<", ">", "\n")
_REACH = 400
# ftfy's repairs of encodings only: mojibake, mixed UTF-8, C1 controls read as windows-1252 (as browsers
# read `&#150;`). Nothing else of the page is touched (no unescaping, quotes, widths or normalisation).
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def web_codec(name: str | None) -> str | None:
    """Python's codec for a declared charset label, read as browsers read it (iso-8859-1 is windows-1252);
    None when Python does not know the label."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _WEB_CODECS.get(codec, codec)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (`<meta charset>` or http-equiv), if Python
    knows it."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    return web_codec(match.group(1).decode("ascii", "ignore"))


def _glued_symbols(text: str) -> int:
    """Symbols stuck to letters, the mark of a wrong single-byte code page (`powiedzia³`, `bêd¹` for
    Polish read as windows-1252). Quotes and dashes are left out: they touch words legitimately."""
    count = 0
    for i, char in enumerate(text):
        if char < "\xa0" or char.isalpha() or unicodedata.category(char) in _LEGIT_NEXT_TO_LETTERS:
            continue
        if (i and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha()):
            count += 1
    return count


def _mostly_utf8(data: bytes, declared: str | None) -> str | None:
    """`data` as UTF-8 with its few invalid bytes replaced (U+FFFD), when the rest says UTF-8: most of its
    non-ASCII sequences are valid UTF-8 (half of them when the page declares UTF-8, four in five otherwise).
    Text in a single-byte code page almost never forms a valid UTF-8 sequence, so a page with many valid
    ones and a stray byte (a truncated character, a pasted byte) is UTF-8; None otherwise."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(text) - (len(data) - len(data.translate(None, _ASCII_BYTES)))  # chars from bytes >= 0x80
    valid = non_ascii - invalid
    needed = 1 if declared == "utf-8" else 4
    return text if valid >= needed * invalid else None


# After this many different sequences that are suspect only once the ASCII is dropped, `_holds_suspect`
# searches the whole text instead.
_APPARENT_SUSPECTS = 20


def _holds_suspect(text: str, utf8: bytes | None = None) -> bool:
    """Whether `text` holds a suspect sequence (`_SUSPECT`); `utf8`, when given, is `text` as UTF-8.

    A suspect sequence is non-ASCII characters only, so it is first looked for among those alone: the ASCII
    bytes dropped in C cost a tenth of the regex's pass over a whole page, and most pages have a few hundred
    non-ASCII characters. Dropping the ASCII joins characters that were apart, so what is found there is
    looked for in `text` itself."""
    if text.isascii():
        return False
    raw = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
    rest = raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    position, absent = 0, set()
    while (match := _SUSPECT.search(rest, position)) is not None:
        position = match.start() + 1
        found = match.group().encode("utf-8", "surrogatepass")
        if found in absent:
            continue
        if found in raw:  # a byte search: faster than one in `text`
            return True
        absent.add(found)
        if len(absent) >= _APPARENT_SUSPECTS:
            return _SUSPECT.search(text) is not None
    return False


def repair(text: str, utf8: bytes | None = None) -> str:
    """`text` with mojibake undone by ftfy: pages captured or served after a wrong decoding ("fÃ¼r",
    "â\\x80\\x9c") and C1 controls (read as windows-1252). Text without a suspect sequence is returned as it is.
    `utf8`, when given, is `text` as UTF-8 (the bytes it was decoded from), which spares encoding it again."""
    if not _holds_suspect(text, utf8):
        return text
    # Only the stretches around a suspect sequence go to ftfy (between markup and line ends: a text node or
    # an attribute; within a few hundred characters, cut at a space), which otherwise takes seconds over a
    # long page of minified HTML.
    pieces = []
    done = 0
    for match in _SUSPECT.finditer(text):
        if match.start() < done:
            continue
        low = max(done, match.start() - _REACH)
        start = max(low, *(text.rfind(bound, low, match.start()) + 1 for bound in _BOUNDS))
        if start == low and low > done:
            start = text.find(" ", low, match.start()) + 1 or low
        high = min(len(text), match.end() + _REACH)
        end = min([i for i in (text.find(bound, match.end(), high) for bound in _BOUNDS) if i >= 0], default=high)
        if end == high < len(text):
            space = text.rfind(" ", match.end(), high)
            end = space if space >= 0 else high
        pieces += [text[done:start], ftfy.fix_text(text[start:end], _FTFY)]
        done = end
    pieces.append(text[done:])
    # The C1 controls windows-1252 has no character for (0x81, 0x8D, 0x8F, 0x90, 0x9D) are left: no text.
    return _C1.sub("", "".join(pieces))


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding).

    In order: a BOM; valid UTF-8; UTF-8 but for a few stray bytes (replaced with U+FFFD, see `_mostly_utf8`);
    the declared charset (`declared`, read as browsers read labels: `web_codec`) when it decodes without C1
    controls; else detection. Detection compares candidates (the declared charset, windows-1252,
    charset-normalizer's matches, the common Central/Eastern European code pages) on a sample: fewest C1
    controls, then fewest symbols glued to letters, then charset-normalizer's mess ratio. On short texts
    charset-normalizer alone mistakes German for Baltic (cp775) and Polish for Western (cp1252).
    Then mojibake already in the text is repaired (`repair`), so no C1 control comes out.
    Raises UnicodeDecodeError when no encoding fits.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return repair(data[len(bom) :].decode(codec)), codec
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, encoding = _decode(data, declared)
        return repair(text), encoding
    return repair(text, data), "utf-8"


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """`decode` of bytes that carry no BOM and are not valid UTF-8, before the repair."""
    declared = web_codec(declared)
    text = _mostly_utf8(data, declared)
    if text is not None:
        return text, "utf-8"
    if declared and declared != "utf-8":
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and _C1.search(text) is None:
            return text, declared
    sample = data[:_SAMPLE_BYTES]
    candidates = [c for c in (declared, "cp1252") if c] + [m.encoding for m in charset_normalizer.from_bytes(sample)]
    candidates += _FALLBACK_CODECS
    best: tuple[tuple[int, int, float, int], str, str] | None = None
    for rank, codec in enumerate(dict.fromkeys(candidates)):
        try:
            text = sample.decode(codec)
            whole = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = (len(_C1.findall(text)), _glued_symbols(text), mess_ratio(text, 1.0), rank)
        if best is None or score < best[0]:
            best = (score, codec, whole)
    if best is None:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, "no encoding fits these bytes")
    return best[2], best[1]
