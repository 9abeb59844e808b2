"""Line-level boilerplate removal for article texts (plain texts, and what trafilatura extracts from a page).

Text that reaches us without markup (text files, feeds, extractor output) still carries page furniture:
language switchers, photo captions, repeated headlines, bylines, author bios, copyright notices, promos
and share prompts. Left in, they pollute language detection, deduplication and anything downstream that
reads the body. Some of them also carry metadata we want (title, authors, publisher), so a removed line
is mined before it is dropped.

The rules recognise classes of boilerplate by shape, never by literal strings. Precision matters more
than recall: a content line wrongly removed is worse than a boilerplate line kept, so every rule is
anchored at the start or end of a line and capped by length, and rules that depend on context (bios,
repeated headlines) only fire in the positions where that boilerplate actually lives.

The rules are plain functions, tested and reused without Beam; `transforms.clean.CleanText` is the stage.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from schemas.document import Draft

logger = logging.getLogger(__name__)

RULE_LANGUAGE = "language_switcher"
RULE_PHOTO = "photo_caption"
RULE_REPEATED = "repeated_headline"
RULE_BYLINE = "byline"
RULE_BIO = "author_bio"
RULE_COPYRIGHT = "copyright"
RULE_PROMO = "promo"
RULE_SHARE = "share_prompt"

RULES = (
    RULE_LANGUAGE,
    RULE_PHOTO,
    RULE_REPEATED,
    RULE_BYLINE,
    RULE_BIO,
    RULE_COPYRIGHT,
    RULE_PROMO,
    RULE_SHARE,
)


@dataclass
class CleanResult:
    """The cleaned body plus what the removed lines told us, and an audit trail of every removal."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    removed: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------------

# Invisible characters that extractors leave behind; they must not defeat anchored patterns.
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\ufe0e\ufe0f]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"'})
_DASHES_RE = re.compile("[\u2010-\u2015\u2212]")
_SPACES_RE = re.compile(r"\s+")
_TRAILING_PUNCT = " .,;:!?"  # after `_probe`, every space is a plain one


def _probe(line: str) -> str:
    """The form rules match against, so typography and invisible characters do not matter."""
    text = unicodedata.normalize("NFKC", line)
    text = _INVISIBLE_RE.sub("", text).translate(_QUOTES)
    return _SPACES_RE.sub(" ", text).strip()


def _key(probe: str) -> str:
    """Comparison key for repeated headlines (of a `_probe`d line): case, dashes and trailing punctuation are
    not significant."""
    return _DASHES_RE.sub("-", probe).casefold().rstrip(_TRAILING_PUNCT)


def _wordset(words: str, fold: bool = False) -> frozenset[str]:
    """Word lists stay readable as whitespace-separated blocks."""
    return frozenset(word.casefold() if fold else word for word in words.split())


# --------------------------------------------------------------------------------------------------------
# Language switchers
# --------------------------------------------------------------------------------------------------------

# Codes that sites actually put in switchers (ISO 639 plus the usual country-code stand-ins such as "ua").
_LANG_CODES = _wordset(
    """
    en ru ua uk de fr es it pl pt nl sv no nb nn da fi cs cz sk hu ro bg sr hr sl el gr tr ar he fa hi ur
    zh cn tw ja jp ko kr vi th id ms ka ge hy az kk kz be by lt lv et uz ky tg tk mn sq mk bs ca eu gl
    pt-br pt-pt zh-cn zh-tw zh-hans zh-hant en-us en-gb es-mx fr-ca
    eng rus ukr deu ger fra fre spa ita pol por nld dut swe ara zho chi jpn kor tur heb fas per
    """
)
# Endonyms as switchers show them (plus "English"); English exonyms ("Russian") are left out on purpose
# because lines of nationality words can be content.
_LANG_NAMES = _wordset(
    """
    English Español Espanol Français Francais Deutsch Italiano Português Portugues Русский Українська
    Українською Polski Nederlands Türkçe Turkce 中文 简体中文 繁體中文 日本語 한국어 العربية Ελληνικά Čeština
    Slovenčina Svenska Norsk Dansk Suomi Magyar Română Български Српски Srpski Hrvatski עברית فارسی हिन्दी
    ქართული Қазақша Беларуская Lietuvių Latviešu Eesti Oʻzbekcha Azərbaycanca Հայերեն Català Euskara
    """,
    fold=True,
)
# Two-letter codes that are also everyday English words; a line made only of these is prose, not a switcher.
_CODE_LOOKALIKES = frozenset({"no", "it", "be", "id", "hi", "he", "by", "ge", "am", "as", "is", "or", "to"})
_LANG_SPLIT_RE = re.compile(r"[\s|/·•,;]+")
_LANG_TOKEN_STRIP = "[]()<>«»*▾▼-–—"


def _is_language_switcher(probe: str) -> bool:
    """A switcher is a short run of language codes or endonyms and nothing else."""
    if len(probe) > 200 or any(ch in probe for ch in ".!?:"):
        return False
    tokens = [tok.strip(_LANG_TOKEN_STRIP) for tok in _LANG_SPLIT_RE.split(probe)]
    tokens = [tok for tok in tokens if tok]
    if not 2 <= len(tokens) <= 15:
        return False
    codes: list[str] = []
    for tok in tokens:
        folded = tok.casefold()
        if folded in _LANG_NAMES:
            continue
        if folded in _LANG_CODES and (tok.islower() or tok.isupper()):
            codes.append(tok)
            continue
        return False
    if codes:
        # Codes are written consistently in a switcher ("en ru" or "EN RU"); mixed case reads as prose.
        if not (all(tok.islower() for tok in codes) or all(tok.isupper() for tok in codes)):
            return False
        if len(codes) == len(tokens) and all(tok.casefold() in _CODE_LOOKALIKES for tok in codes):
            return False
    return True


# --------------------------------------------------------------------------------------------------------
# Photo credits and captions
# --------------------------------------------------------------------------------------------------------

# A caption's label with its colon: "Photo:", "(Image credit:", "Main image:".
_CAPTION_LABEL = (
    r"\(?\s*(?:photo(?:graph)?s?|images?|fotos?|pictures?|pic|illustration|video|credits?|"
    r"(?:cover|main|top|header|featured)\s+(?:image|photo))(?:\s+(?:credits?|courtesy|source))?\s*[:：]"
)
# "Photo by", "Photo courtesy of".
_CAPTION_BY = r"\(?\s*(?:photo|image|picture)s?\s+(?:by|courtesy(?:\s+of)?)"
# "Photo: ...", "Image: AFP", "Photo credit: ...", "(Photo: Reuters)".
_CAPTION_LABEL_RE = re.compile(rf"^{_CAPTION_LABEL}\s*\S", re.IGNORECASE)
# "Photo by Jane Doe/Reuters", "Photo courtesy of the ministry".
_CAPTION_BY_RE = re.compile(rf"^{_CAPTION_BY}\s+(?P<who>\S)", re.IGNORECASE)
# A whole line in parentheses that is a credit.
_CAPTION_PAREN_RE = re.compile(r"^\(\s*(?:photo|image|foto|picture|credit)s?\b[^()]*\)$", re.IGNORECASE)
# A short line closed by an agency/photo credit in parentheses: "Putin in Moscow (Getty Images)".
_CAPTION_TRAILING_CREDIT_RE = re.compile(
    r"\([^()]*?(?:getty\s+images|ap\s+photo|photo\s*[:：]|photo\s+by\b|image\s*[:：]|foto\s*[:：]|shutterstock|"
    r"/\s*(?:afp|reuters|ap|epa|tass|anadolu)\b)[^()]*\)$",
    re.IGNORECASE,
)
# Credit-only lines: "AFP via Getty Images", "Getty Images".
_CAPTION_CREDIT_ONLY_RE = re.compile(r"^(?:[\w.'-]+\s+){0,4}?(?:via\s+)?getty\s+images$", re.IGNORECASE)
# What may follow a repeated headline on the same line for it to be a caption, not a sentence.
_CAPTION_AFTER_HEADLINE_RE = re.compile(
    rf"^[\s|·•:-]*(?:{_CAPTION_LABEL}|{_CAPTION_BY}\b|\([^()]*(?:getty\s+images|ap\s+photo|reuters|afp|epa)[^()]*\)\s*$)",
    re.IGNORECASE,
)
_CAPTION_MAX_WORDS = 30


def _is_photo_caption(probe: str, words: int) -> bool:
    if words > _CAPTION_MAX_WORDS:
        return False
    if _CAPTION_LABEL_RE.match(probe) or _CAPTION_PAREN_RE.match(probe):
        return True
    by = _CAPTION_BY_RE.match(probe)
    if by and by.group("who")[0].isupper() and words <= 12:
        return True
    if _CAPTION_TRAILING_CREDIT_RE.search(probe):
        return True
    return bool(words <= 6 and _CAPTION_CREDIT_ONLY_RE.match(probe))


# --------------------------------------------------------------------------------------------------------
# Copyright and rights
# --------------------------------------------------------------------------------------------------------

_YEARS = r"(?:19|20)\d{2}(?:\s*[-/]\s*(?:19|20)?\d{2})?"
_COPYRIGHT_RE = re.compile(
    r"^(?P<mark>©|\(c\)|℗|copyright(?:\s*(?:©|\(c\)))?)\s*"
    rf"(?P<years>{_YEARS})?\s*[,.]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_RIGHTS_RE = re.compile(r"^(?:(?P<pre>.{1,120}?)\s*[.|-]\s+)?all\s+rights\s+reserved\.?$", re.IGNORECASE)
_NO_REDISTRIBUTION_RE = re.compile(
    r"^(?:this\s+(?:material|article|story|content)\s+may\s+not\s+be\s+(?:published|reproduced)\b.*"
    r"\b(?:redistributed|distributed|republished)\b|"
    r"no\s+part\s+of\s+this\s+(?:article|publication|material|website)\s+may\s+be\s+(?:reproduced|copied)\b)",
    re.IGNORECASE,
)
_PUBLISHER_CUT_RE = re.compile(r"\.\s|\s[|-]\s|[,;|]|\ball\s+rights\s+reserved\b", re.IGNORECASE)
_COPYRIGHT_MAX_WORDS = 30
_NOTICE_WORDS_RE = re.compile(r"\b(?:rights\s+reserved|may\s+not\s+be|licen[cs]ed?|permission)\b", re.IGNORECASE)
# Photo libraries hold copyright in pictures, not in the article.
_PHOTO_AGENCY_RE = re.compile(r"\b(?:getty\s+images|shutterstock|alamy|photos?|images)\b", re.IGNORECASE)


def _copyright(probe: str, words: int) -> tuple[bool, str | None]:
    """Whether the line is a rights notice, and the publisher it names after the year, if any."""
    if words > _COPYRIGHT_MAX_WORDS:
        return False, None
    match = _COPYRIGHT_RE.match(_DASHES_RE.sub("-", probe))
    if match:
        mark = match.group("mark").casefold()
        has_symbol = "©" in mark or "(c)" in mark or "℗" in mark
        # "Copyright law ..." and "(c) the applicant ..." are prose; a notice carries © or a year.
        plain_word_or_enum = mark == "copyright" or mark == "(c)"
        rest = match.group("rest")
        # Without a © sign, "Copyright 2024 ..." is a notice only if it is short or says what notices say.
        prose = mark == "copyright" and len(rest.split()) > 8 and not _NOTICE_WORDS_RE.search(rest)
        if match.group("years") and not prose:
            return True, _publisher_from(rest)
        if has_symbol and not plain_word_or_enum:
            # "© Getty Images" is as often a photo credit as a notice, so it names no publisher.
            return True, None
    rights = _RIGHTS_RE.match(probe)
    if rights and len((rights.group("pre") or "").split()) <= 10:
        return True, None
    if _NO_REDISTRIBUTION_RE.match(probe):
        return True, None
    return False, None


def _publisher_from(rest: str) -> str | None:
    rest = re.sub(r"^by\s+", "", rest.strip(), flags=re.IGNORECASE)
    name = _PUBLISHER_CUT_RE.split(rest, maxsplit=1)[0].strip().rstrip(".").strip()
    if not name or not 1 <= len(name.split()) <= 8:
        return None
    if not (name[0].isupper() or name[0].isdigit()) or not any(ch.isalpha() for ch in name):
        return None
    if "/" in name or _PHOTO_AGENCY_RE.search(name):
        return None
    return name


# --------------------------------------------------------------------------------------------------------
# Promos and share/subscribe prompts
# --------------------------------------------------------------------------------------------------------

_PROMO_MAX_WORDS = 40
# "For details on X, see the Y material." -- the promo is the pointer: "for more/details on|about <topic>",
# then a separator and straight away an imperative ("see", "read", ...) whose object is a reference.
# Long reporting sentences that happen to start with "For details" do not have that shape.
_PROMO_FOR_RE = re.compile(
    r"^for\s+(?:more\s+|further\s+|full\s+|additional\s+)?"
    r"(?:details|information|info|more|background|context|updates|coverage|the\s+latest)"
    r"(?:\s+(?:on|about|regarding|of|into)\b(?:[^.!?]|[.?](?=\S)){1,200}?)?"
    r"\s*[,:;-]\s*(?:please\s+)?(?:see|read|visit|check(?:\s+out)?|follow|go\s+to|click|watch)\s+"
    r"(?P<ref>(?:[^.!?]|[.?](?=\S)){1,150})[.!]?$",
    re.IGNORECASE,
)
_PROMO_REF_RE = re.compile(
    r"\b(?:material|materials|article|articles|story|stories|report|coverage|piece|explainer|page|link|"
    r"section|website|site|blog|feed|channel|timeline|overview|analysis|infographic|video|interview|"
    r"here|below|above|our|special)\b|https?://|www\.",
    re.IGNORECASE,
)
# Labels that introduce a link: "Read more: ...", "Related:", "See also: ...", "More on this story".
_PROMO_LABEL_RE = re.compile(
    r"^(?:read\s+(?:more|also|next)|also\s+read|see\s+also|related(?:\s+(?:articles?|stories|news|"
    r"coverage|content|reading|links?|topics?))?|more\s+(?:on|about)\s+this\s+(?:story|topic|subject)|"
    r"you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in)|continue\s+reading|"
    r"read\s+the\s+full\s+(?:story|article|report|interview))\s*(?:[:>|»→-]|$)",
    re.IGNORECASE,
)
_PROMO_CLICK_RE = re.compile(r"^(?:click|tap)\s+here\b", re.IGNORECASE)
_PROMO_LABEL_MAX_WORDS = 25

_PLATFORMS = (
    r"(?:facebook|twitter|x|telegram|instagram|youtube|tiktok|whatsapp|linkedin|threads|bluesky|viber|"
    r"reddit|mastodon|google\s+news|flipboard|pinterest)"
)
_SHARE_RES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^share\s+(?:this|the)\s+(?:article|story|post|page|video|report)\b",
        rf"^share\s+(?:on|via|to)\s+{_PLATFORMS}\b",
        r"^share\s*[:|]?$",
        rf"^follow\s+(?:us|me|our\s+\w+(?:\s+\w+)?)\s+(?:on|at)\s+{_PLATFORMS}\b",
        r"^subscribe(?:\s+(?:to|for)\s+(?:our|the|my)?\s*(?:[\w'-]+\s+){0,3}?"
        r"(?:newsletters?|channel|podcast|updates|alerts|feed|youtube|digest|briefing|telegram)\b.*|\s*[:!]?)$",
        r"^sign\s+up\s+(?:for|to)\b.{0,80}\b(?:newsletters?|alerts|updates|briefing|digest)\b",
        r"^join\s+(?:us|our)\b.{0,60}\b(?:telegram|whatsapp|viber|discord|channel|community|newsletter|group)\b",
        r"^download\s+(?:our|the)\b.{0,60}\bapps?\b",
    )
)
_SHARE_MAX_WORDS = 25
# A bar of share buttons flattened to text: "Facebook Twitter WhatsApp Email".
_SHARE_BAR_TOKENS = _wordset(
    "facebook twitter x telegram instagram whatsapp linkedin reddit pinterest viber email e-mail print "
    "copy link share tweet messenger flipboard"
)


def _is_promo(probe: str, words: int) -> bool:
    if words <= _PROMO_LABEL_MAX_WORDS and (_PROMO_LABEL_RE.match(probe) or _PROMO_CLICK_RE.match(probe)):
        return True
    if words > _PROMO_MAX_WORDS:
        return False
    match = _PROMO_FOR_RE.match(probe)
    return bool(match and _PROMO_REF_RE.search(match.group("ref")))


def _is_share_prompt(probe: str, words: int) -> bool:
    if words > _SHARE_MAX_WORDS:
        return False
    if any(pattern.match(probe) for pattern in _SHARE_RES):
        return True
    tokens = probe.casefold().replace("|", " ").split()
    if 2 <= len(tokens) <= 10 and all(tok in _SHARE_BAR_TOKENS for tok in tokens):
        platforms = {tok for tok in tokens if tok not in {"email", "e-mail", "print", "copy", "link", "share"}}
        return len(platforms) >= 2
    return False


# --------------------------------------------------------------------------------------------------------
# Bylines and author bios
# --------------------------------------------------------------------------------------------------------

_NAME_PARTICLES = _wordset("de da di du del della der den van von la le bin ibn al el dos das ter af zu y")
# Capitalised words that open prose or headlines ("By The Numbers", "By Monday Morning"), never names.
_NOT_NAME_WORDS = _wordset(
    """
    The A An And Or Of In On At For To With From This That These Those Its His Her Their Our Your My All
    Some Any Each Every No Not More Most Staff Reporter Reporters Correspondent Editor Editors News Agency
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Today Tomorrow Yesterday Now Then Far Way Air Sea Land Road
    Contact Us About Home Menu Search Login Sign Subscribe Share Follow Newsletter Print Comments Send
    """,
    fold=True,
)
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*\.?")
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.){1,3}")
_NAME_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_BY_RE = re.compile(r"^(?:By|BY)\s+(?P<body>.+)$")
_CONTACT_MARK = r"(?:✉|📧|📩|📨|e-?mail(?:\s+(?:the\s+author|me|us))?|@[A-Za-z0-9_]{2,30})"
_CONTACT_TAIL_RE = re.compile(rf"(?:\s*[|,·•/:-]\s*|\s+){_CONTACT_MARK}$", re.IGNORECASE)
_CONTACT_HEAD_RE = re.compile(r"^(?:✉|📧|📩|📨)\s*")
_CONTACT_ONLY_RE = re.compile(rf"^{_CONTACT_MARK}$", re.IGNORECASE)
_BYLINE_MAX_WORDS = 14

_BIO_ROLES = r"(?:writer|reporter|journalist|correspondent|editor|contributor|columnist)"
# "<Name> is a/an/the <adjectives> <role>" followed by what bios say next (where, for whom, covering what).
# "X is a reporter who was detained ..." is news about X, so the continuation is restricted.
_BIO_GENERIC_RE = re.compile(
    r"^(?P<name>[^,;:()]{3,80}?)\s+(?:is|was|has\s+been)\s+(?:a|an|the|our)\s+(?:[\w'-]+\s+){0,4}?"
    rf"{_BIO_ROLES}s?(?:\s+and\s+[\w'-]+)?"
    r"(?=\s*(?:$|[.,;]|(?:based|at|for|with|covering|on|in|from|to|and)\b|who\s+(?:covers|writes|reports)\b))",
    re.IGNORECASE,
)
# What follows a byline author's name when the line is about them: "Jane Doe is/covers/has ...".
_BIO_AFTER_NAME_RE = re.compile(
    r"^(?:\s+(?:is|was|has|had|writes|wrote|covers|covered|reports|reported|joined|holds|previously|lives|"
    r"works|worked|can\s+be\s+reached)\b|'s\s|,\s)",
    re.IGNORECASE,
)
_BIO_MAX_WORDS = 80
_BIO_BYLINE_DISTANCE = 2


def _is_name_word(tok: str) -> bool:
    if tok.casefold() in _NOT_NAME_WORDS or not tok[0].isupper():
        return False
    return bool(_NAME_WORD_RE.fullmatch(tok) or _INITIALS_RE.fullmatch(tok))


def _as_name(text: str) -> str | None:
    """The text as a personal name ("Jane Doe", "Ursula von der Leyen", "J.R. Smith"), else None."""
    tokens = text.strip().split()
    if not 2 <= len(tokens) <= 5:
        return None
    if tokens[0] in _NAME_PARTICLES or tokens[-1] in _NAME_PARTICLES:
        return None
    core = 0
    for tok in tokens:
        if tok in _NAME_PARTICLES:
            continue
        if not _is_name_word(tok):
            return None
        core += 1
    return " ".join(tokens) if core >= 2 else None


def _as_names(body: str) -> list[str] | None:
    """A list of names joined by commas/"and"/"&", else None."""
    parts = [part for part in _NAME_SPLIT_RE.split(body.strip()) if part]
    if not parts:
        return None
    names = [_as_name(part) for part in parts]
    if any(name is None for name in names):
        return None
    return [name for name in names if name is not None]


def _strip_contact_marks(probe: str) -> tuple[str, bool]:
    found = False
    for _ in range(3):
        head = _CONTACT_HEAD_RE.match(probe)
        if head:
            probe, found = probe[head.end() :], True
            continue
        tail = _CONTACT_TAIL_RE.search(probe)
        if tail and tail.start() > 0:
            probe, found = probe[: tail.start()], True
            continue
        break
    return probe.strip(), found


def _byline_names(probe: str, words: int) -> list[str] | None:
    """Names from a byline: a short name line with a contact mark, or a classic "By A and B"."""
    if words > _BYLINE_MAX_WORDS:
        return None
    rest, has_mark = _strip_contact_marks(probe)
    by = _BY_RE.match(rest)
    if by:
        return _as_names(by.group("body").rstrip(" .,"))
    if has_mark:
        return _as_names(rest)
    return None


def _name_line(probe: str, words: int) -> list[str] | None:
    """Names alone on a line (optionally after "By"), the half of a byline whose contact mark is below it."""
    if words > 8:
        return None
    by = _BY_RE.match(probe)
    return _as_names(by.group("body") if by else probe)


def _bio_name(probe: str, words: int, authors: list[str], generic: bool) -> str | None:
    """The person a bio line is about: a byline author, or (when `generic`) anyone described as a writer."""
    if words > _BIO_MAX_WORDS:
        return None
    for author in authors:
        head, tail = probe[: len(author)], probe[len(author) :]
        if head.casefold() == author.casefold() and _BIO_AFTER_NAME_RE.match(tail):
            return author
    if not generic:
        return None
    match = _BIO_GENERIC_RE.match(probe)
    if match:
        return _as_name(match.group("name"))
    return None


# --------------------------------------------------------------------------------------------------------
# Headlines
# --------------------------------------------------------------------------------------------------------

_HEADLINE_MIN_WORDS = 3
_HEADLINE_MAX_WORDS = 20
_HEADLINE_MAX_CHARS = 200
# "Headline Photo: caption" on one line: a caption with the headline glued on, not a headline.
_GLUED_CAPTION_RE = re.compile(r"\s\(?(?:Photo|PHOTO|Image|IMAGE|Foto|FOTO|Picture)s?(?:\s+credit)?\s*:")


def _looks_like_headline(probe: str, words: int) -> bool:
    """Short, capitalised, and not a sentence ending in a full stop: how headlines look as plain text."""
    if not _HEADLINE_MIN_WORDS <= words <= _HEADLINE_MAX_WORDS or len(probe) > _HEADLINE_MAX_CHARS:
        return False
    first = probe[0]
    if not (first.isupper() or first.isdigit() or first in "\"'«"):
        return False
    return probe[-1] not in ".,;:-" and not _GLUED_CAPTION_RE.search(probe)


# --------------------------------------------------------------------------------------------------------
# The cleaner
# --------------------------------------------------------------------------------------------------------


@dataclass
class _Line:
    raw: str
    probe: str
    words: int
    rule: str | None = None
    names: list[str] = field(default_factory=list)


def clean_text(text: str, title_hint: str | None = None) -> CleanResult:
    """Remove boilerplate lines and keep what they say about the article.

    `title_hint` (e.g. from feed or JSONL metadata) is taken as the title and used to spot repeats of it.
    Without it the title is the leading line when that line looks like a headline. The first occurrence
    of the headline in the body stays: it may be the only place the text states it.
    """
    lines = []
    for raw in (text or "").splitlines():
        probe = _probe(raw)
        if probe:
            lines.append(_Line(raw.rstrip(), probe, len(probe.split())))

    hint = title_hint.strip() if title_hint and title_hint.strip() else None
    publisher = _apply_line_rules(lines)
    title = _apply_context_rules(lines, hint)

    authors: list[str] = []
    for line in lines:
        for name in line.names:
            if name.casefold() not in {a.casefold() for a in authors}:
                authors.append(name)

    removed = [(line.raw, line.rule) for line in lines if line.rule is not None]
    if removed:
        logger.debug("removed %d boilerplate line(s): %s", len(removed), sorted({r for _, r in removed}))
    return CleanResult(
        text="\n".join(line.raw for line in lines if line.rule is None),
        title=title,
        authors=authors,
        publisher=publisher,
        removed=removed,
    )


def clean_draft(draft: Draft) -> Draft:
    """A draft's text without its boilerplate lines (`clean_text`), in place.

    A plain text also gives its title, authors and publisher from the removed lines where the draft has none.
    A page's text, which trafilatura extracted, keeps what its markup states: the lines trafilatura left in
    ("Read more: ...", "© 2019 Associated Press ...", a photo's credit) are only dropped.
    """
    result = clean_text(draft.text, draft.title)
    draft.text = result.text
    draft.removed_lines = len(result.removed)
    if draft.kind == "text":
        draft.title = draft.title or result.title
        draft.authors = draft.authors or result.authors
        draft.publisher = draft.publisher or result.publisher
    return draft


def _apply_line_rules(lines: list[_Line]) -> str | None:
    """Rules that need only the line itself; returns the first publisher named by a copyright line."""
    publisher: str | None = None
    for line in lines:
        probe, words = line.probe, line.words
        if _is_language_switcher(probe):
            line.rule = RULE_LANGUAGE
            continue
        is_rights, named = _copyright(probe, words)
        if is_rights:
            line.rule = RULE_COPYRIGHT
            publisher = publisher or named
            continue
        if _is_share_prompt(probe, words):
            line.rule = RULE_SHARE
            continue
        if _is_promo(probe, words):
            line.rule = RULE_PROMO
            continue
        if _is_photo_caption(probe, words):
            line.rule = RULE_PHOTO
            continue
        names = _byline_names(probe, words)
        if names:
            line.rule, line.names = RULE_BYLINE, names
    return publisher


def _apply_context_rules(lines: list[_Line], hint: str | None) -> str | None:
    """Rules that depend on neighbours or on what survived, repeated until stable: each removal changes
    the neighbourhood, and cleaning already-clean text must find nothing new. Returns the title."""
    while True:
        changed = _split_bylines(lines)
        changed = _bios(lines) or changed
        title, repeats = _apply_headline_rules(lines, hint)
        if not (changed or repeats):
            return title


def _split_bylines(lines: list[_Line]) -> bool:
    """A name line next to a line that is only a contact mark ("Jane Doe" / "✉") is a byline in two parts."""
    changed = False
    alive = [line for line in lines if line.rule is None]
    for pos, line in enumerate(alive):
        if line.rule is not None or not _CONTACT_ONLY_RE.match(line.probe):
            continue
        for neighbour in (
            alive[pos - 1] if pos > 0 else None,
            alive[pos + 1] if pos + 1 < len(alive) else None,
        ):
            if neighbour is None or neighbour.rule is not None:
                continue
            names = _name_line(neighbour.probe, neighbour.words)
            if names:
                neighbour.rule, neighbour.names = RULE_BYLINE, names
                line.rule = RULE_BYLINE
                changed = True
                break
    return changed


def _bios(lines: list[_Line]) -> bool:
    """Bios live next to a byline or in the closing block; elsewhere "X is a writer" is reporting."""
    changed = False
    authors = [name for line in lines if line.rule == RULE_BYLINE for name in line.names]
    byline_at = [i for i, line in enumerate(lines) if line.rule == RULE_BYLINE]
    # Next to a byline only the byline's own authors get a bio: a lead paragraph right under a byline
    # may well be about some other journalist.
    for i, line in enumerate(lines):
        if line.rule is not None or not any(abs(i - b) <= _BIO_BYLINE_DISTANCE for b in byline_at):
            continue
        name = _bio_name(line.probe, line.words, authors, generic=False)
        if name:
            line.rule, line.names, changed = RULE_BIO, [name], True
    # Closing block: walk up from the last surviving line while lines read as bios.
    for line in reversed(lines):
        if line.rule is not None:
            continue
        name = _bio_name(line.probe, line.words, authors, generic=True)
        if not name:
            break
        line.rule, line.names, changed = RULE_BIO, [name], True
    return changed


def _apply_headline_rules(lines: list[_Line], hint: str | None) -> tuple[str | None, bool]:
    """Settle the title, then drop later lines that repeat it, alone or with a caption glued on."""
    alive = [line for line in lines if line.rule is None]
    title = hint
    if title is None and len(alive) >= 2 and _looks_like_headline(alive[0].probe, alive[0].words):
        title = alive[0].raw.strip()
    if title is None:
        return None, False
    key = _key(_probe(title))
    if not key:
        return title, False
    changed = seen = False
    longest = len(title.split()) + _CAPTION_MAX_WORDS  # a repeat, alone or with a caption, is no longer
    for line in alive:
        if line.words > longest:
            continue
        line_key = _key(line.probe)
        if line_key == key:
            if seen:
                line.rule, changed = RULE_REPEATED, True
            seen = True
        elif (
            line_key.startswith(key)
            and not line_key[len(key)].isalnum()
            and _CAPTION_AFTER_HEADLINE_RE.match(line_key[len(key) :])
        ):
            line.rule, changed = RULE_PHOTO, True
    return title, changed
