"""Sentence-aware chunking that never crosses a section and stays inside MiniLM's window."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Iterator

from ingest.records import Chunk, CleanText, Interview
from ingest.text import THAI_CHAR, sentence_spans, word_count


def _hard_split(start: int, end: int, text: str, max_words: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long 'sentence' (tables, run-on text) at word boundaries."""
    words = list(re.finditer(r"\S+", text[start:end]))
    step = max(1, max_words if not THAI_CHAR.search(text[start:end]) else max_words // 2)
    for i in range(0, len(words), step):
        group = words[i : i + step]
        yield start + group[0].start(), start + group[-1].end()


def _spans(clean: CleanText, max_words: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(clean.text):
        if word_count(clean.text[start:end]) > max_words:
            spans.extend(_hard_split(start, end, clean.text, max_words))
        else:
            spans.append((start, end))
    return spans


def _locate(starts: list[tuple[object, int]], position: int) -> object:
    keys = [s for _, s in starts]
    index = bisect.bisect_right(keys, position) - 1
    return starts[index][0] if index >= 0 else None


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    """Content-hash id: an unchanged passage keeps its id, so a re-run overwrites, not adds."""
    digest = hashlib.sha256(f"{doc_id}\x00{occurrence}\x00{text}".encode()).hexdigest()
    return digest[:32]


def chunk_document(
    doc_id: str,
    clean: CleanText,
    interviews: list[Interview],
    max_words: int,
    overlap_sentences: int = 0,
) -> list[Chunk]:
    """Group whole sentences into chunks of at most `max_words`, restarting at each section
    and page so that every chunk has one page and one section."""
    section_keys = [s for _, s in clean.section_starts]
    page_keys = [s for _, s in clean.page_starts]

    def boundary(position: int) -> tuple[int, int]:
        return (
            bisect.bisect_right(section_keys, position),
            bisect.bisect_right(page_keys, position),
        )

    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    words = 0
    for span in _spans(clean, max_words):
        n = word_count(clean.text[span[0] : span[1]])
        new_part = boundary(span[0]) != boundary(current[0][0]) if current else False
        if new_part and words < 30 and boundary(span[0])[1] == boundary(current[0][0])[1]:
            new_part = False  # a heading-only chunk joins the section it introduces
        # measured on the joined text: Thai counts per character, which does not add up
        # piece by piece
        too_long = current and word_count(clean.text[current[0][0] : span[1]]) > max_words
        if current and (too_long or new_part):
            groups.append(current)
            carry = current[-overlap_sentences:] if overlap_sentences else []
            if carry and boundary(carry[0][0]) != boundary(span[0]):
                carry = []
            current = list(carry)
            words = sum(word_count(clean.text[s:e]) for s, e in current)
        current.append(span)
        words += n
    if current:
        groups.append(current)

    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    for ordinal, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        text = clean.text[start:end]
        section = _locate(clean.section_starts, group[-1][0])
        page = _locate(clean.page_starts, start)
        occurrence = seen[text]
        seen[text] += 1
        chunks.append(
            Chunk(
                id=chunk_id(doc_id, text, occurrence),
                doc_id=doc_id,
                ordinal=ordinal,
                text=text,
                start=start,
                end=end,
                page=page if isinstance(page, int) else None,
                section=str(section) if section else "",
                interviews=[i for i in interviews if i.raw in text or i.raw[:60] in text],
            )
        )
    return chunks
