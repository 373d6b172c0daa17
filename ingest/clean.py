"""Clean extracted text: repair mojibake, drop garbage lines, headers and page numbers, rebuild
paragraphs; every repaired and dropped line is recorded with its reason."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import ftfy

from ingest.lexicon import char_model, english_words
from ingest.records import CleanText, DroppedLine, Page, RepairedLine
from ingest.text import THAI_CHAR

# --- character classes -------------------------------------------------------------------

_PUA = re.compile(r"[\uE000-\uF8FF\U000F0000-\U000FFFFD]")
_CID = re.compile(r"\(cid:\d+\)")
_QMARKS = re.compile(r"\?{3,}|\ufffd{2,}")
_LATIN1_HIGH = re.compile(
    r"[\u00A1-\u00FF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6"
    r"\u02DC\u2013\u2014\u2018-\u201E\u2020-\u2022\u2026\u2030\u2039\u203A"
    r"\u20AC\u2122]"
)
_TOKEN = re.compile(r"\S+")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:page|p\.|หน้า)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,3})"
    r"(?:\s*[-–—])?\s*$",
    re.I,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•▪◦]\s+|\d{1,2}[.)]\s+|\(?[a-z]\)\s+)")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_FOOTNOTE_MARKS = re.compile(r"(?<=[A-Za-z\u0E00-\u0E7F.])[*†‡§¹²³⁴⁵⁶⁷⁸⁹]+(?=\s|,|;|$)")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"'”’]$")

# Legitimate letter/punctuation mixes that Kedmanee-typed Thai would otherwise resemble.
_LEGIT_MIXED = re.compile(
    r"^(?:https?://\S+|www\.\S+|\S+@\S+\.\w+|doi:\S+|10\.\d{4,}/\S+"
    r"|(?:[A-Za-z]\.){2,}\d*|[A-Za-z](?:\.[A-Za-z])+\.?|[A-Za-z]+(?:'(?:s|t|re|ll|ve|d|m))?|\w+(?:[-/]\w+)+)$"
)
_KEYBOARD_PUNCT = re.compile(r"[A-Za-z][;\[\]\\=`,.'/][A-Za-z]|[;\[\]\\`=]")


@dataclass
class _TokenView:
    known: int = 0
    namelike: int = 0
    suspicious_chars: int = 0
    strong_chars: int = 0
    letter_chars: int = 0
    words: int = 0
    numbers: int = 0


def _letters(token: str) -> str:
    return "".join(ch for ch in token if ch.isalpha())


_URLISH = re.compile(r"^(?:https?://|www\.|doi:|10\.\d{4,}/)\S+$|^\S+@\S+\.[a-z]{2,}$", re.I)
_CODE_LIKE = re.compile(
    r"\d+(?:st|nd|rd|th|s)|[A-Z]{1,6}-?\d+[A-Za-z]?|(?:[A-Z]\.)+\d+|[A-Z]+\d*[A-Z]*|\d+(?:km|m|ha|kg)"
)
_NUMBER = re.compile(r"(?:B\.E\.|C\.E\.|A\.D\.)?\s?\d[\d.,:/%-]*(?:st|nd|rd|th|s|%)?\.?")
_NAME_INNER_CAPS = re.compile(r"(?:Mc|Mac|O|De|La|Di|Le|i|e)[A-Z]\w+")


@lru_cache(maxsize=1 << 16)
def suspicion(token: str) -> int:
    """0: a word, name, number or code; 1: odd (rare letter sequences); 2: clearly not text
    (legacy-font or keyboard-layout Thai: inner capitals, digits or key punctuation inside,
    very long unknown runs)."""
    core = token.strip("()[]{}\"'“”‘’.,;:!?*")
    letters = _letters(core)
    if not letters or THAI_CHAR.search(core) or not core.isascii() or _URLISH.match(core):
        return 0
    if re.fullmatch(r"[A-Za-z]+(?:[-/][A-Za-z]+)+", core):
        return max(suspicion(part) for part in re.split(r"[-/]", core))
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
    if len(letters) >= 18:
        return 2
    score = char_model().logprob(lower)
    if re.fullmatch(r"[A-Z][a-z]+|[A-Z]{2,7}s?", letters):
        return 1 if score < -1.7 else 0
    if score < -1.5 or (len(letters) >= 12 and score < -1.24):
        return 2
    return 1 if score < -1.24 else 0


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


def _trim_edges(line: str) -> tuple[str, str] | None:
    """Cut runs of clearly-garbage tokens off either end of an otherwise real line."""
    tokens = _TOKEN.findall(line)
    start, end = 0, len(tokens)
    while start < end and suspicion(tokens[start]):
        start += 1
    while end > start and suspicion(tokens[end - 1]):
        end -= 1
    cut = tokens[:start] + tokens[end:]
    core = tokens[start:end]
    if not any(suspicion(t) == 2 for t in cut) or not core or not _is_real(core):
        return None
    return " ".join(core), " ".join(cut)


# --- repairs -----------------------------------------------------------------------------


def repair_tis620(line: str) -> str | None:
    """Thai TIS-620 bytes that were decoded as cp1252/Latin-1 (`¡ÒÃ»¡¤ÃÍ§` -> การปกครอง)."""
    visible = [ch for ch in line if not ch.isspace()]
    if len(visible) < 3:
        return None
    high = sum(1 for ch in visible if _LATIN1_HIGH.match(ch))
    if high / len(visible) < 0.5:
        return None
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = line.encode(codec).decode("tis_620")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        thai = len(THAI_CHAR.findall(fixed))
        letters = sum(1 for ch in fixed if ch.isalpha())
        if letters and thai / letters >= 0.8:
            return fixed
    return None


def repair_line(line: str) -> tuple[str, str] | None:
    """Return (fixed line, reason) for recoverable mojibake, else None."""
    fixed = repair_tis620(line)
    if fixed is not None:
        return fixed, "Thai TIS-620 read as cp1252/Latin-1"
    fixed = ftfy.fix_encoding(line)
    if fixed != line:
        return fixed, "UTF-8 read as cp1252/Latin-1 (ftfy)"
    return None


# --- line classification -----------------------------------------------------------------


def _unrecoverable(line: str) -> str | None:
    """Why a line is glyph garbage no repair can recover, or None."""
    if _CID.search(line):
        remainder = _CID.sub("", line)
        if (
            len(_letters(remainder)) < 0.5 * len(_letters(_CID.sub("x", line)))
            or len(_CID.findall(line)) >= 3
        ):
            return "PDF glyph ids (cid:N), text not recoverable"
    visible = [ch for ch in line if not ch.isspace()]
    pua = sum(1 for ch in visible if _PUA.match(ch))
    if pua and pua / len(visible) >= 0.3:
        return "private-use-area glyphs, text not recoverable"
    qs = line.count("?") + line.count("\ufffd")
    if (_QMARKS.search(line) and qs / len(visible) >= 0.4) or (
        qs >= 2 and qs / len(visible) >= 0.6
    ):
        return "question-mark run from a failed encoding"
    if THAI_CHAR.search(line):
        return None
    symbols = sum(1 for ch in visible if unicodedata.category(ch)[0] in "SC")
    if len(visible) >= 4 and symbols / len(visible) > 0.5:
        return "symbol soup from a broken font"
    return None


def classify_line(line: str) -> tuple[str, str, str]:
    """Split one non-blank line into (kept text, dropped text, reason for the drop).

    Whole-line garbage keeps nothing; a real citation or phrase beside gibberish keeps just
    that part; Thai script and ordinary lines are kept whole.
    """
    stripped = line.strip()
    reason = _unrecoverable(stripped)
    if reason:
        return "", stripped, reason
    if THAI_CHAR.search(stripped):
        return stripped, "", ""
    split = _split_mixed(stripped) or _trim_edges(stripped)
    if split:
        return split[0], split[1], "gibberish beside real text"
    if _is_gibberish(_TOKEN.findall(stripped)):
        return "", stripped, "legacy-font Thai or keyboard-layout gibberish"
    return stripped, "", ""


@dataclass
class _Line:
    text: str
    number: int
    page: int | None


def _running_lines(pages: list[list[_Line]]) -> set[str]:
    """Normalised lines that repeat like page headers/footers."""
    key = _norm_key
    counts: Counter[str] = Counter()
    if len(pages) > 1:
        for lines in pages:
            nonblank = [ln for ln in lines if ln.text.strip()]
            edge = nonblank[:3] + nonblank[-3:]
            counts.update({key(ln.text) for ln in edge})
        threshold = max(2, len(pages) // 2)
    else:
        counts.update(key(ln.text) for ln in pages[0] if ln.text.strip())
        threshold = 3
    return {
        text
        for text, n in counts.items()
        if n >= threshold
        and len(text) <= 100
        and re.search(r"[a-z\u0E00-\u0E7F]", text)
        and len(text.split()) <= 12
        # running heads are titles, not wrapped sentence lines
        and not re.search(r"(?:[a-z]{2}[.;,]|-)$", text)
    }


def _norm_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def _join(previous: str, line: str) -> str:
    """Join a wrapped line to its paragraph, undoing end-of-line hyphenation."""
    if not previous:
        return line
    # only the tail: a search over the whole paragraph made a 10k-line paragraph quadratic
    hyphen = re.search(r"([A-Za-z]+)-$", previous[-100:])
    first = re.match(r"([a-z]+)", line)
    if hyphen and first:
        left, right = hyphen.group(1), first.group(1)
        words = english_words()
        joined = (left + right).lower()
        if joined in words or not (left.lower() in words and right.lower() in words):
            return previous[:-1] + line
        return previous + line
    return previous + " " + line


def _is_heading(line: str, before_blank: bool, after_blank: bool, following: str = "") -> bool:
    """A short capitalised line without a full stop, on its own between blank lines; or,
    as PDFs and plain text often set them, directly above its section's first line: then
    it must be much shorter than that line (a paragraph's first line runs full width)."""
    words = line.split()
    shaped = 0 < len(words) <= 8 and line[:1].isupper() and not _SENTENCE_END.search(line)
    if not shaped or not before_blank:
        return False
    if after_blank:
        return True
    return (
        len(words) <= 5
        and following[:1].isupper()
        and len(following) >= 3 * len(line)
        and not re.search(r"[,;:\-–(]$|\b(and|or|of|the|in|for|to|a|an)$", line.strip(), re.I)
    )


def clean_pages(pages: list[Page]) -> CleanText:
    """Clean the pages of one document; see the module docstring for what happens."""
    numbered: list[list[_Line]] = []
    counter = 0
    for page in pages:
        lines = []
        for raw in page.text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            counter += 1
            lines.append(_Line(raw.rstrip(), counter, page.number))
        numbered.append(lines)

    running = _running_lines(numbered)
    dropped: list[DroppedLine] = []
    repaired: list[RepairedLine] = []
    paragraphs_by_page: list[tuple[int | None, list[tuple[str, bool]]]] = []

    for lines in numbered:
        kept: list[_Line | None] = []  # None marks a blank (paragraph break)
        for ln in lines:
            text = ln.text
            if not text.strip():
                kept.append(None)
                continue
            fix = repair_line(text)
            if fix:
                repaired.append(RepairedLine(ln.number, text, fix[0], fix[1], ln.page))
                text = fix[0]
            if _norm_key(text) in running:
                dropped.append(
                    DroppedLine(ln.number, text.strip(), "running header/footer", ln.page)
                )
                continue
            if _PAGE_NUMBER.match(text):
                dropped.append(DroppedLine(ln.number, text.strip(), "page number", ln.page))
                continue
            text, cut, reason = classify_line(text)
            if cut:
                dropped.append(DroppedLine(ln.number, cut, reason, ln.page))
            if text:
                kept.append(_Line(text, ln.number, ln.page))
        paragraphs_by_page.append((lines[0].page if lines else None, _paragraphs(kept)))

    text_parts: list[str] = []
    page_starts: list[tuple[int | None, int]] = []
    section_starts: list[tuple[str, int]] = []
    offset = 0
    for page_number, paragraphs in paragraphs_by_page:
        page_starts.append((page_number, offset))
        for paragraph, is_heading in paragraphs:
            if is_heading:
                section_starts.append((paragraph, offset))
            text_parts.append(paragraph)
            offset += len(paragraph) + 2
    return CleanText("\n\n".join(text_parts), page_starts, section_starts, dropped, repaired)


def _continues(lines: list[_Line | None], blank_at: int) -> bool:
    """A blank line inside a sentence (page break) when the next line starts in lower case."""
    rest = itertools.islice(lines, blank_at, None)  # no copy of the tail per blank line
    following = next((ln for ln in rest if ln is not None), None)
    return following is not None and following.text[:1].islower()


def _paragraphs(lines: list[_Line | None]) -> list[tuple[str, bool]]:
    """Rebuild paragraphs from wrapped lines; returns (text, is_heading) pairs."""
    out: list[tuple[str, bool]] = []
    current = ""
    for i, ln in enumerate(lines):
        if ln is None:
            if current and (_SENTENCE_END.search(current) or not _continues(lines, i)):
                out.append((current, False))
                current = ""
            continue
        text = ln.text
        if len(text.split()) <= 10:
            text = _FOOTNOTE_MARKS.sub("", text)
        heading = _MD_HEADING.match(text)
        before_blank = i == 0 or lines[i - 1] is None
        after_blank = i + 1 >= len(lines) or lines[i + 1] is None
        following = lines[i + 1].text if i + 1 < len(lines) and lines[i + 1] else ""
        if heading or _is_heading(text, before_blank, after_blank, following):
            if current:
                out.append((current, False))
                current = ""
            out.append((heading.group(1) if heading else text, True))
            continue
        if _LIST_ITEM.match(text) and current:
            out.append((current, False))
            current = text
            continue
        current = _join(current, text)
    if current:
        out.append((current, False))
    return out
