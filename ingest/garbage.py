"""Garbage detection: glyph runs no repair recovers ((cid:N), private-use glyphs, `????`),
and gibberish lines (legacy-font Thai extracted as Latin letters, Thai typed on a QWERTY
keyboard), told from real text of any language by language identification."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.lexicon import char_model, english_words
from ingest.settings import IngestSettings
from ingest.text import NO_LANGUAGE, THAI_CHAR, identify_language

_TOKEN = re.compile(r"\S+")

# Glyph runs: cut out of a line; the line goes whole when nothing real is left.
_CID_RUN = re.compile(r"(?:\(cid:\d+\)\s*)+")
_PUA_RUN = re.compile(r"[\uE000-\uF8FF\U000F0000-\U000FFFFD]+")
# a token of three or more question marks, or any token a failed decode put U+FFFD into
_QMARK_TOKEN = re.compile(r"(?<!\S)(?:\?{3,}[.,;:!]*|\S*\ufffd\S*)(?!\S)")
GLYPH_RUNS = (
    (_CID_RUN, "PDF glyph ids (cid:N), text not recoverable"),
    (_PUA_RUN, "private-use-area glyphs, text not recoverable"),
    (_QMARK_TOKEN, "question-mark run from a failed encoding"),
)
GIBBERISH = "legacy-font Thai or keyboard-layout gibberish"
BESIDE_REAL = "gibberish beside real text"

# Legitimate letter/punctuation mixes that Kedmanee-typed Thai would otherwise resemble.
_LEGIT_MIXED = re.compile(
    r"^(?:https?://\S+|www\.\S+|\S+@\S+\.\w+|doi:\S+|10\.\d{4,}/\S+"
    r"|(?:[A-Za-z]\.){2,}\d*|[A-Za-z](?:\.[A-Za-z])+\.?|[A-Za-z]+(?:'(?:s|t|re|ll|ve|d|m))?"
    r"|\w+(?:[-/]\w+)+|[A-Za-z][\w-]*(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?"
    # two words glued at a sentence or list boundary (werden.Insgesamt, Press,Oxford)
    r"|[A-Za-z]{2,}[.,;:][A-Z][a-z]+)$"
)
_KEYBOARD_PUNCT = re.compile(r"[A-Za-z][;\[\]\\=`,.'/][A-Za-z]|[;\[\]\\`=]")
_URLISH = re.compile(
    r"^(?:https?://|www\.|doi:|10\.\d{4,}/)\S+$|^\S+@\S+\.[a-z]{2,}$"
    # a bare domain (involve.org.uk, MoveOn.org): dotted words ending in a short lower TLD
    r"|^[A-Za-z][\w-]*(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?$",
    re.I,
)
_CODE_LIKE = re.compile(
    r"\d+(?:st|nd|rd|th|s)|[A-Z]{1,6}-?\d+[A-Za-z]?|(?:[A-Z]\.)+\d+|[A-Z]+\d*[A-Z]*|\d+(?:km|m|ha|kg)"
    # postcodes, model and form numbers: capitals and digits only (WC1X, 8XG, NVQ1+2)
    r"|[A-Z\d][A-Z\d+]{1,7}"
    # a number with a short unit or item letter (12:30pm, 5b, 2nd)
    r"|\d[\d:.,]*[a-z]{1,2}"
)
_NUMBER = re.compile(r"(?:B\.E\.|C\.E\.|A\.D\.)?\s?\d[\d.,:/%-]*(?:st|nd|rd|th|s|%)?\.?")
_NAME_INNER_CAPS = re.compile(r"(?:Mc|Mac|O|De|La|Di|Le|i|e)[A-Z]\w+")
# a citation or footnote mark glued to a word: Africa.[4], [11]eParticipation, strike[xvii],
# website11; and an editor's capital ([T]heir)
_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_CITATION_MARK = re.compile(rf"\[(?:\d{{1,3}}|{_ROMAN}|{_ROMAN.upper()})\]|^\[[A-Z]\](?=[a-z])")
_FOOTNOTE_DIGITS = re.compile(r"^([A-Za-z]{3,})\d{1,2}$")
_CAMEL_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# What joins the parts of a real glued token: digits, compound and elision marks, path and
# anchor marks, a sentence or list mark that lost its space, labels and amounts, brackets.
# `@ ^ ` ~ " < > { } | \` between letters are none of these (legacy fonts and Thai typed in
# English keyboard mode put them there), so a token they join is not judged by its parts.
_WORD_GLUED = re.compile(r"[A-Za-z\d\-'’/_#.,;:=&+$€£%()\[\]]+")
_INITIAL = re.compile(r"(?<![A-Za-z])[A-Za-z]\.")
# the domain after an e-mail's @, and a top-level domain
_MAIL_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}")
_TLD = re.compile(r"com|org|net|edu|gov|int|info|[a-z]{2}")
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
# a number with a short label: p3 and p183 (pages), v1, n=41, No10, co2
_LABELLED_NUMBER = re.compile(r"[A-Za-z]{1,2}[:=.]{0,2}\d+(?:st|nd|rd|th)?")


@lru_cache(maxsize=1)
def _settings() -> IngestSettings:
    return IngestSettings()


def reads_as_language(text: str) -> bool:
    """The line reads as real text in some language (py3langid: a language, not `zxx`, with
    enough probability, and character statistics that fit it); thresholds in Settings."""
    if sum(ch.isalpha() for ch in text) < 8:
        return False
    guess = identify_language(text)
    settings = _settings()
    return (
        guess.lang != NO_LANGUAGE
        and guess.probability >= settings.clean_language_min_probability
        and guess.fit >= settings.clean_language_min_fit
    )


def _letters(token: str) -> str:
    return "".join(ch for ch in token if ch.isalpha())


@lru_cache(maxsize=1)
def _longest_word() -> int:
    return max(map(len, english_words()))


def _real_part(part: str) -> bool:
    """A part of three or more letters of a glued token: a known word, an acronym, or a word
    or name the letter model finds plausible (threshold fitted on the tuning split)."""
    lower = part.lower()
    return (
        lower in english_words()
        or bool(re.fullmatch(r"[A-Z]{2,7}", part))
        or char_model().logprob(lower) >= _settings().clean_part_min_logprob
    )


def _brackets_nest(core: str) -> bool:
    """No bracket closes before it opens (a closer at the end may have been stripped)."""
    depth = 0
    for ch in core:
        depth += (ch in "([") - (ch in ")]")
        if depth < 0:
            return False
    return True


def _explained_by_parts(core: str) -> bool:
    """A token glued from real parts by word punctuation or camel case: OpenParlamento,
    VouliWatch, ICT4Gov, 17Clodagh, findings;and, l'Italia, Oregon_Citizen_Initiative_(CIR).

    Every part of three or more letters must be real; a one- or two-letter part (an elided
    article, an initial, a unit: l', O', e-, 2nd) says nothing, and a token may carry one such
    unknown part (one scores best on the tuning split, scripts/fit_part_threshold.py):
    keyboard-layout Thai is runs of one or two letters between marks. Camel case
    joins capitalised parts, after at most a known lower-case word or a letter (newDemocracy,
    eParticipation); legacy fonts put capitals anywhere in a lower-case run.
    """
    core = re.sub(r"['’]s$", "", core)
    if not _WORD_GLUED.fullmatch(core) or (core.isalpha() and core.islower()):
        return False
    if not _brackets_nest(core):
        return False  # keyboard-layout Thai types [ and ] as letters, one at a time
    if any(len(_letters(piece)) > _longest_word() for piece in re.split(r"[-/_]+", core)):
        return False  # words lost their spaces, but each is word-sized: no run of thousands
    words = english_words()
    runs = [_CAMEL_PART.findall(run) for run in re.findall(r"[A-Za-z]+", _INITIAL.sub(".", core))]
    if any(len(r) > 1 and len(r[0]) > 1 and r[0].islower() and r[0] not in words for r in runs):
        return False
    parts = [part for run in runs for part in run]
    if len(parts) < 2 and core.isalpha():
        return False  # one plain word: the word rules judge it
    if not all(_real_part(p) for p in parts if len(p) >= 3):
        return False
    unknown_short = [p for p in parts if len(p) < 3 and p.lower() not in words and not p.isupper()]
    return len(unknown_short) <= 1


def _address_start(core: str) -> int:
    """Where an address starts inside a token (2012.http://..., PDF.<http://...,
    16Health.india.com, http:[email protected]), or -1. Found by string scans, not a
    searching regex: a searching regex with a leading `[A-Za-z]*` is quadratic on a token of
    a million letters."""
    scheme = core.find("://")
    if scheme >= 0:
        return len(core[:scheme].rstrip(string.ascii_letters))
    for mark in ("www.", "[email"):
        if mark in core:
            return core.find(mark)
    at = core.find("@")
    if at > 0 and _MAIL_DOMAIN.fullmatch(core, at + 1):
        return len(core[:at].rstrip(string.ascii_letters + string.digits + "_.+-"))
    host = core.split("/", 1)[0].rstrip(".,;:)>")
    dot = host.rfind(".")
    if dot <= 0 or not _TLD.fullmatch(host, dot + 1):
        return -1
    start = dot
    while start > 0 and host[start - 1] in _HOST_CHARS:
        start -= 1
    return start if start < dot and host[start].isalnum() else -1


def _explained_by_address(core: str) -> bool:
    """An address glued to a number, a word or a footnote mark: the address is real (no
    garbage this cleaner has met spells a scheme, www. or a domain), and the glued prefix is
    judged as a token of its own."""
    start = _address_start(core)
    if start < 0:
        return False
    prefix = core[:start].strip("<>.,;:-([")
    return not prefix or suspicion(prefix) == 0


def _explained(core: str) -> bool:
    """Real by its make-up: a labelled number, an address with a real prefix, real parts."""
    return bool(
        _LABELLED_NUMBER.fullmatch(core) or _explained_by_address(core) or _explained_by_parts(core)
    )


def _shape_level(token: str) -> bool:
    """Shape cues alone (key punctuation, digits or stray symbols inside a word), no lexicon
    or English character model: for lines already known to read as some language."""
    core = _CITATION_MARK.sub("", token).strip("()[]{}<>\"'“”‘’.,;:!?*=+~$£€/")
    if not _letters(core) or not core.isascii() or _URLISH.match(core) or _explained(core):
        return False
    pieces = core.split("_")
    if len(pieces) > 1 and any(p.lower() in english_words() for p in pieces):
        return any(_shape_level(piece) for piece in pieces)
    if _FOOTNOTE_DIGITS.match(core) or re.fullmatch(r"[A-Za-z]+(?:[-/_:][A-Za-z]+)+", core):
        return False
    # an apostrophe inside a word is elision in many languages (Nell'esercizio, tao'y)
    if _KEYBOARD_PUNCT.search(core.replace("'", "")) and not _LEGIT_MIXED.match(core):
        return True
    if re.search(r"[A-Za-z]\d|\d[A-Za-z]", core) and not _CODE_LIKE.fullmatch(core):
        return True
    for run in re.findall(r"[A-Za-z]+", core):
        if re.search(r"[a-z][A-Z]", run) and not _NAME_INNER_CAPS.fullmatch(run):
            return True
    return bool(re.search(r"[^\w'’.,:;!?()\[\]/&%+-]", core))


@lru_cache(maxsize=1 << 16)
def suspicion(token: str) -> int:
    """0: a word, name, number or code; 1: odd (rare letter sequences); 2: clearly not text
    (legacy-font or keyboard-layout Thai: inner capitals, digits or key punctuation inside,
    very long unknown runs)."""
    core = _CITATION_MARK.sub("", token).strip("()[]{}<>\"'“”‘’.,;:!?*=+~$£€/")
    letters = _letters(core)
    if not letters or THAI_CHAR.search(core) or not core.isascii() or _URLISH.match(core):
        return 0
    footnoted = _FOOTNOTE_DIGITS.match(core)
    if footnoted:
        return suspicion(footnoted.group(1))
    if re.fullmatch(r"@[A-Za-z]\w*", core):
        # a social-media handle (@NHC, @involveUK) is as real as its name; digits between
        # letters glue no words in a name (legacy-font Thai gives @un13sinaula)
        name = core[1:]
        return 2 if re.search(r"[A-Za-z]\d+[A-Za-z]", name) else suspicion(name)
    pieces = core.split("_")
    if len(pieces) > 1 and any(p.lower() in english_words() for p in pieces):
        # wiki titles and file names put _ for a space: Oregon_Citizen_Initiative_Review
        return max(suspicion(piece) for piece in pieces)
    if _explained(core):
        return 0
    if re.fullmatch(r"[A-Za-z\d]+(?:[-/_:]+[A-Za-z\d]+)+", core):
        return max(suspicion(part) for part in re.split(r"[-/_:]+", core))
    if re.fullmatch(r"[A-Za-z]+\(\S+\)?", core):  # toolkit(https://...), Environment(...)
        return max(suspicion(part) for part in re.split(r"[()]", core) if part)
    lower = letters.lower()
    words = english_words()
    if lower in words and len(letters) == len(core):
        return 0
    if _KEYBOARD_PUNCT.search(core) and not _LEGIT_MIXED.match(core):
        return 2
    if re.search(r"[A-Za-z]\d|\d[A-Za-z]", core) and not _CODE_LIKE.fullmatch(core):
        return 2
    if "@" in core:
        return 2
    if len(letters) < 3 or re.fullmatch(r"[A-Z]{2,7}s?", letters):
        return 0  # initials and acronyms (CSO, LGU, KPK)
    inner_caps = len(re.findall(r"[a-z][A-Z]", letters))
    if inner_caps >= 2 or (inner_caps == 1 and not _NAME_INNER_CAPS.fullmatch(letters)):
        return 2
    if lower in words or (
        re.fullmatch(r"[a-z]+(?:s|es|ed|ing|ly)", lower)
        and (re.sub(r"(?:s|es|ed|ing|ly)$", "", lower) in words)
    ):
        return 0
    score = char_model().logprob(lower)
    if len(letters) >= 18 and score < -1.24:
        return 2
    if re.fullmatch(r"[A-Z][a-z]+|[A-Z]{2,7}s?", letters):
        return 1 if score < -1.7 else 0
    if score < -1.5 or (len(letters) >= 12 and score < -1.24):
        return 2
    return 1 if score < -1.24 else 0


@dataclass
class _TokenView:
    known: int = 0
    namelike: int = 0
    suspicious_chars: int = 0
    strong_chars: int = 0
    letter_chars: int = 0
    words: int = 0
    numbers: int = 0


def _view(tokens: list[str]) -> _TokenView:
    view = _TokenView()
    words = english_words()
    for token in tokens:
        letters = _letters(token)
        level = suspicion(token)
        if _NUMBER.fullmatch(token.strip("()[],;:")):
            view.numbers += 1
        if not letters or (len(letters) < 3 and not level):
            continue  # numbers, single letters and initials say nothing either way
        view.letter_chars += len(letters)
        view.words += 1
        if level:
            view.suspicious_chars += len(letters)
            view.strong_chars += len(letters) if level == 2 else 0
        elif letters.lower() in words:
            view.known += 1
        elif re.fullmatch(r"[A-Z][a-z]+|[A-Z]{2,7}", letters):
            view.namelike += 1
    return view


def _is_gibberish(tokens: list[str]) -> bool:
    """Most letters sit in suspicious tokens and hardly any token is a known word."""
    view = _view(tokens)
    if view.letter_chars == 0:
        return False
    share = view.suspicious_chars / view.letter_chars
    if view.words <= 2:
        return view.strong_chars / view.letter_chars >= 0.5 and view.known == 0
    return share >= 0.5 and view.known / view.words < 0.35


def _is_real(tokens: list[str]) -> bool:
    """Enough real content to keep: not gibberish, and a known word or a number in it."""
    view = _view(tokens)
    return (
        not _is_gibberish(tokens)
        and (view.known >= 1 or view.numbers >= 1)
        and (view.letter_chars == 0 or view.suspicious_chars / view.letter_chars < 0.5)
    )


# Parenthesised spans that may carry a real citation inside a garbled line.
_PAREN_SPANS = re.compile(r"\([^()]{2,}\)|\([A-Z][^()]*$|^[^()]*\)")


def _real_span(text: str) -> bool:
    tokens = _TOKEN.findall(text)
    view = _view(tokens)
    if view.words == 0 or view.suspicious_chars / view.letter_chars >= 0.3:
        return False
    has_date = bool(re.search(r"\b(?:1[89]|2[05])\d{2}\b|B\.E\.\s?\d{4}", text))
    return (view.known + view.namelike) >= 3 or (has_date and view.known + view.namelike >= 1)


def _split_mixed(line: str) -> tuple[str, str] | None:
    """For a line whose free text is garbage: (kept real spans, dropped rest); else None."""
    spans = [m for m in _PAREN_SPANS.finditer(line) if _real_span(m.group(0))]
    rest = line
    for match in reversed(spans):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    rest_tokens = _TOKEN.findall(rest)
    if not spans or not rest_tokens or not _is_gibberish(rest_tokens):
        return None
    kept = " ".join(m.group(0).strip() for m in spans)
    return kept, " ".join(rest_tokens)


def _trim_edges(line: str, *, strong_only: bool = False) -> tuple[str, str] | None:
    """Cut runs of garbage tokens off either end of an otherwise real line; in a line that
    reads as a language only clearly-garbage tokens go."""
    tokens = _TOKEN.findall(line)

    def garbage(token: str) -> bool:
        return _shape_level(token) if strong_only else suspicion(token) >= 1

    start, end = 0, len(tokens)
    while start < end and garbage(tokens[start]):
        start += 1
    while end > start and garbage(tokens[end - 1]):
        end -= 1
    cut = tokens[:start] + tokens[end:]
    core = tokens[start:end]
    if not any(suspicion(t) == 2 for t in cut) or not core:
        return None
    if not strong_only and not _is_real(core):
        return None
    return " ".join(core), " ".join(cut)


def _symbol_soup(line: str) -> bool:
    visible = [ch for ch in line if not ch.isspace()]
    symbols = sum(1 for ch in visible if unicodedata.category(ch)[0] in "SC")
    return len(visible) >= 4 and symbols / len(visible) > 0.5 and not THAI_CHAR.search(line)


@dataclass
class LineVerdict:
    """What of one line is kept, and each cut part with its reason."""

    kept: str
    cuts: list[tuple[str, str]] = field(default_factory=list)


def _strip_glyph_runs(line: str) -> tuple[str, list[tuple[str, str]]]:
    cuts = []
    for pattern, reason in GLYPH_RUNS:
        found = [m.group(0).strip() for m in pattern.finditer(line)]
        if found:
            cuts.append((" ".join(f for f in found if f) or line.strip(), reason))
            line = pattern.sub(" ", line)
    return (" ".join(line.split()) if cuts else line), cuts


def classify_line(line: str) -> LineVerdict:
    """Split one non-blank line into what is kept and what is cut, with reasons.

    Glyph runs go; whole-line garbage keeps nothing; a line that reads as a language, Thai
    script and ordinary lines are kept (less clearly-garbage tokens at their ends); a real
    citation or phrase beside gibberish keeps just that part.
    """
    stripped = line.strip()
    if re.fullmatch(r"[?\ufffd\s]+", stripped) and len(stripped.replace(" ", "")) >= 2:
        return LineVerdict("", [(stripped, GLYPH_RUNS[2][1])])
    rest, cuts = _strip_glyph_runs(stripped)
    if cuts and sum(ch.isalnum() for ch in rest) < 3:
        return LineVerdict("", [(stripped, cuts[0][1])])
    if _symbol_soup(rest):
        return LineVerdict("", [*cuts, (rest, "symbol soup from a broken font")])
    if THAI_CHAR.search(rest):
        return LineVerdict(rest, cuts)
    if reads_as_language(rest):
        split = _trim_edges(rest, strong_only=True)
        if split and reads_as_language(split[0]):
            return LineVerdict(split[0], [*cuts, (split[1], BESIDE_REAL)])
        return LineVerdict(rest, cuts)
    split = _split_mixed(rest) or _trim_edges(rest)
    if split:
        return LineVerdict(split[0], [*cuts, (split[1], BESIDE_REAL)])
    if _is_gibberish(_TOKEN.findall(rest)):
        return LineVerdict("", [*cuts, (rest, GIBBERISH)])
    return LineVerdict(rest, cuts)
