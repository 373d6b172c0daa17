"""A cited span shown on its PDF page: located in the page's text layer, drawn over a render.

An answer cites character offsets into the *cleaned* text, which differs from the PDF's text
layer in whitespace, line breaks, line-end hyphenation, repaired characters and dropped lines.
The span is aligned to the text layer deterministically (exact match on a normalised view,
then a bounded `difflib` alignment), never by fuzzy-matching words of model output, so the
highlight is the characters the citation quotes or nothing.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL import Image

Box = tuple[float, float, float, float]

# Below this share of the span's characters found in order around one anchor, the "match"
# is more likely another passage that shares words than the cited one: no highlight.
MIN_MATCHED_SHARE = 0.8
# A page is drawn with at most this many pixels (a 14,400 pt page at scale 2 would need
# ~3 GB); larger pages are drawn at the largest scale that fits.
MAX_PIXELS = 40_000_000
HIGHLIGHT_RGBA = (255, 220, 0, 102)  # yellow at 40% opacity: the text stays readable

# PDFium is not thread-safe and Gradio runs callbacks on worker threads.
_PDFIUM_LOCK = threading.Lock()
# What PDFium or the typesetter put in for a hyphen it broke a word at: never the author's.
_BREAK_HYPHENS = frozenset("\ufffe\u00ad")
_HYPHENS = frozenset("-\u2010\u2011")
_INVISIBLE = frozenset(("Cc", "Cf", "Cn", "Co", "Cs"))
# Alignment blocks shorter than this outside the anchor are chance letter matches.
_MIN_BLOCK = 3


@dataclass
class Highlight:
    """Where a cited span lies on a rendered page, and the text-layer characters it covers."""

    page: int  # 1-based page index
    boxes: list[Box]  # image pixels (left, top, right, bottom), one per line of the span
    text: str  # text-layer characters of the located range, in order
    matched: bool  # False when the span could not be located on the page (boxes == [])


class PageImageError(ValueError):
    """The PDF cannot be opened (corrupt, encrypted, not a PDF) or has no such page: there
    is no page to draw, so this is raised rather than returning an empty image."""


def page_count(pdf_bytes: bytes) -> int:
    """The number of pages; raises PageImageError if the PDF cannot be opened."""
    with _PDFIUM_LOCK, _open_document(pdf_bytes) as pdf:
        return len(pdf)


def locate_span(pdf_bytes: bytes, page: int, span_text: str) -> tuple[int, int] | None:
    """[start, end) PdfTextPage character indices of `span_text` on 1-based `page`, or None.

    Whitespace, line-end and soft hyphens and invisible characters are ignored on both sides
    and both are NFKC-normalised; without an exact match (a character the cleaner repaired,
    a dropped line inside the span) the passage is taken when MIN_MATCHED_SHARE of the
    span's characters align with it. When the span occurs more than once on the page the
    first occurrence is taken: the citation gives no way to tell repeats apart. Raises
    PageImageError when the PDF cannot be opened or has no such page.
    """
    with _PDFIUM_LOCK, _open_page(pdf_bytes, page) as (_, textpage):
        return _align(_layer_chars(textpage), span_text)


def render_highlight(
    pdf_bytes: bytes, page: int, span_text: str, scale: float = 2.0
) -> tuple[bytes, Highlight]:
    """PNG of 1-based `page` rendered at `scale` (2.0 ~ 144 dpi) with translucent yellow
    rectangles over the span's characters, and the Highlight record.

    A span that is empty or not on the page gives the plain page and matched=False. Raises
    PageImageError when the PDF cannot be opened or has no such page, ValueError for a
    scale that is not a positive number. A page too large for MAX_PIXELS at `scale` is
    drawn smaller; the boxes are always in the returned image's pixels.
    """
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    with _PDFIUM_LOCK, _open_page(pdf_bytes, page) as (pdf_page, textpage):
        width, height = pdf_page.get_size()
        scale = min(scale, math.sqrt(MAX_PIXELS / max(width * height, 1.0)))
        bitmap = pdf_page.render(scale=scale)
        image = bitmap.to_pil()
        chars = _layer_chars(textpage)
        located = _align(chars, span_text)
        if located is None:
            return _png(image), Highlight(page, [], "", False)
        start, end = located
        to_pixels = bitmap.get_posconv(pdf_page).to_bitmap
        lines = _line_boxes(textpage, chars, start, end)
        boxes = [_pixel_box(box, to_pixels, image.size) for box in lines]
    if not boxes:  # the characters are there but draw nothing (no glyph boxes)
        return _png(image), Highlight(page, [], "", False)
    text = "".join(chars[start:end]).replace("\ufffe", "-").replace("\r\n", "\n")
    return _png(_draw(image, boxes)), Highlight(page, boxes, text, True)


@contextmanager
def _open_document(pdf_bytes: bytes) -> Iterator[pdfium.PdfDocument]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(pdf_bytes)
    except pdfium.PdfiumError as exc:
        reason = "encrypted PDF" if "password" in str(exc).lower() else "corrupt PDF"
        raise PageImageError(f"{reason}: {exc}") from exc
    try:
        yield pdf
    finally:
        pdf.close()


@contextmanager
def _open_page(pdf_bytes: bytes, page: int) -> Iterator[tuple[pdfium.PdfPage, pdfium.PdfTextPage]]:
    import pypdfium2 as pdfium

    with _open_document(pdf_bytes) as pdf:
        if not 1 <= page <= len(pdf):
            raise PageImageError(f"page {page} out of range: the PDF has {len(pdf)} pages")
        try:
            pdf_page = pdf[page - 1]
            textpage = pdf_page.get_textpage()
        except pdfium.PdfiumError as exc:
            raise PageImageError(f"page {page} cannot be read: {exc}") from exc
        try:
            yield pdf_page, textpage
        finally:
            textpage.close()
            pdf_page.close()


def _layer_chars(textpage: pdfium.PdfTextPage) -> list[str]:
    """One string per PdfTextPage char index. `get_text_range` may insert or drop characters
    relative to the char array, so it cannot serve as an index map. PDFium keeps a hyphen
    it judged a line-break hyphen as U+0002 and reports it as U+FFFE in extracted text (what
    the ingest saw): the same here."""
    import pypdfium2.raw as pdfium_c

    chars = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        chars.append("\ufffe" if code == 2 else chr(code) if 0 < code < 0x110000 else "")
    return chars


def normalise(chars: Sequence[str], all_hyphens: bool = False) -> tuple[str, list[int]]:
    """The comparable text of `chars` and, per character of it, the index in `chars` it came
    from: NFKC, no whitespace, no invisible characters, no break hyphens (PDFium's U+FFFE,
    soft hyphens) and no hyphen standing at a line end, or none at all with `all_hyphens`
    (the cleaner keeps the hyphen of "self-\\ngovernment" but joins "partici-\\npation").
    A combining mark is normalised with its base, so decomposed and composed accents agree.
    """
    out: list[str] = []
    source: list[int] = []
    i = 0
    while i < len(chars):
        first, cluster = i, chars[i]
        i += 1
        while i < len(chars) and chars[i] and unicodedata.combining(chars[i]):
            cluster += chars[i]
            i += 1
        if cluster in _BREAK_HYPHENS:
            continue
        if cluster in _HYPHENS and (all_hyphens or _at_line_end(chars, i)):
            continue
        for ch in unicodedata.normalize("NFKC", cluster):
            if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE:
                out.append(ch)
                source.append(first)
    return "".join(out), source


def _at_line_end(chars: Sequence[str], i: int) -> bool:
    while i < len(chars) and chars[i] in (" ", "\t"):
        i += 1
    return i == len(chars) or chars[i] in ("\r", "\n")


def _align(chars: Sequence[str], span_text: str) -> tuple[int, int] | None:
    """Exact match first (line-end hyphens dropped, then all hyphens), then an alignment."""
    for all_hyphens in (False, True):
        layer, source = normalise(chars, all_hyphens)
        needle, _ = normalise(span_text, all_hyphens)
        if not needle:
            return None
        at = layer.find(needle)
        if at >= 0:
            return source[at], source[at + len(needle) - 1] + 1
    found = _aligned_range(needle, layer)
    return None if found is None else (source[found[0]], source[found[1] - 1] + 1)


def _aligned_range(needle: str, layer: str) -> tuple[int, int] | None:
    """[start, end) in `layer` of the passage that matches `needle` up to a few repaired
    characters: the longest common block anchors it, the blocks aligned in order around it
    must cover MIN_MATCHED_SHARE of `needle`. A longest block alone would reject a span with
    one repaired character near its middle."""
    anchor = SequenceMatcher(None, needle, layer, autojunk=False).find_longest_match(
        0, len(needle), 0, len(layer)
    )
    if anchor.size == 0:
        return None
    slack = len(needle) // 10 + _MIN_BLOCK
    lo = max(0, anchor.b - anchor.a - slack)
    hi = min(len(layer), anchor.b + len(needle) - anchor.a + slack)
    blocks = [
        block
        for block in SequenceMatcher(
            None, needle, layer[lo:hi], autojunk=False
        ).get_matching_blocks()
        if block.size >= _MIN_BLOCK or block.size == anchor.size
    ]
    if not blocks or sum(b.size for b in blocks) < MIN_MATCHED_SHARE * len(needle):
        return None
    return lo + blocks[0].b, lo + blocks[-1].b + blocks[-1].size


def _line_boxes(
    textpage: pdfium.PdfTextPage, chars: Sequence[str], start: int, end: int
) -> list[Box]:
    """Loose (font-height) boxes of the visible characters in [start, end), in PDF points,
    merged into one box per line. Merged in page space, where a line runs left to right
    whatever the page's /Rotate, so a rotated page still gets one box per line."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    lines: list[list[float]] = []
    for i in range(start, end):
        ch = chars[i]
        if not ch or ch.isspace() or pdfium_c.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        try:
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
        except pdfium.PdfiumError:  # a character PDFium cannot place: highlight the rest
            continue
        if right <= left or top <= bottom:
            continue
        if lines and _same_line(lines[-1], (left, bottom, right, top)):
            line = lines[-1]
            line[0], line[1] = min(line[0], left), min(line[1], bottom)
            line[2], line[3] = max(line[2], right), max(line[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [(a, b, c, d) for a, b, c, d in lines]


def _same_line(line: Sequence[float], box: Box) -> bool:
    """The next character in text order continues this line: it overlaps the line by half
    its height and starts neither back at the left margin nor a column's width away."""
    left, bottom, _, top = box
    height = min(top - bottom, line[3] - line[1])
    overlap = min(top, line[3]) - max(bottom, line[1])
    return overlap >= 0.5 * height and line[2] - height <= left <= line[2] + 3 * height


def _pixel_box(
    box: Box, to_pixels: Callable[[float, float], tuple[int, int]], size: tuple[int, int]
) -> Box:
    """A page-space box as (left, top, right, bottom) pixels of the render, inside it. The
    corners go through PDFium's own page-to-device mapping (crop box, /Rotate, scale)."""
    left, bottom, right, top = box
    (x0, y0), (x1, y1) = to_pixels(left, bottom), to_pixels(right, top)
    width, height = size
    return (
        float(min(max(min(x0, x1), 0), width)),
        float(min(max(min(y0, y1), 0), height)),
        float(min(max(max(x0, x1), 0), width)),
        float(min(max(max(y0, y1), 0), height)),
    )


def _draw(image: Image.Image, boxes: list[Box]) -> Image.Image:
    from PIL import Image, ImageDraw

    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(overlay)
    for box in boxes:
        pen.rectangle(box, fill=HIGHLIGHT_RGBA)
    return Image.alpha_composite(base, overlay).convert("RGB")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()
