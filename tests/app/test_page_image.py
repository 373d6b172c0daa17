"""A cited span found in real PDFs' text layers and drawn on the rendered page: inside a
paragraph, across a line break and a hyphenated word, on a later page, after the cleaner
repaired or joined it, and not at all when it is not there."""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image

from app import page_image
from app.page_image import (
    PageImageError,
    locate_span,
    normalise,
    page_count,
    render_highlight,
)

FONT, SIZE = "Helvetica", 12
LETTER = (612.0, 792.0)
PARAGRAPH = [
    (72, 700, "Citizens asked for more public partici-"),
    (72, 685, "pation in budget decisions every year, and the"),
    (72, 670, "council agreed to publish its accounts online."),
]
FAR_LINE = (72, 200, "Unrelated closing remarks stand here at the foot.")


def _pdf(pages: list[list[tuple[float, float, str]]], size=LETTER, rotate: int = 0) -> bytes:
    """A PDF whose page n has the strings pages[n] drawn at their (x, baseline y) points."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size)
    for lines in pages:
        if rotate:
            c.setPageRotation(rotate)
        c.setFont(FONT, SIZE)
        for x, y, text in lines:
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return out.getvalue()


def _x_of(line: tuple[float, float, str], prefix_end: int) -> float:
    """Where reportlab put character `prefix_end` of `line`, in points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x, _, text = line
    return x + stringWidth(text[:prefix_end], FONT, SIZE)


def _near_line(box, line, char: int, scale: float = 2.0, height: float = LETTER[1]) -> None:
    """The box starts at the drawn character and spans the line's baseline."""
    left, top, right, bottom = box
    baseline = (height - line[1]) * scale
    assert abs(left - _x_of(line, char) * scale) <= 2 * scale
    assert baseline - SIZE * scale <= top < baseline < bottom <= baseline + 0.4 * SIZE * scale
    assert right > left


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def _yellowish(pixel) -> bool:
    r, g, b = pixel
    return r > 200 and g > 170 and b < 170


def _share(image: Image.Image, box, test) -> float:
    left, top, right, bottom = (int(v) for v in box)
    pixels = [image.getpixel((x, y)) for x in range(left, right) for y in range(top, bottom)]
    return sum(map(test, pixels)) / len(pixels)


def _bare(text: str) -> str:
    return re.sub(r"\s", "", text)


def _inside(box, image: Image.Image) -> bool:
    left, top, right, bottom = box
    return 0 <= left < right <= image.width and 0 <= top < bottom <= image.height


def test_span_inside_a_line_is_one_box_over_the_drawn_text():
    pdf = _pdf([[*PARAGRAPH, FAR_LINE]])
    span = "budget decisions"
    png, found = render_highlight(pdf, 1, span)
    image = _image(png)
    assert image.size == (1224, 1584)
    assert found.matched and found.page == 1
    assert _bare(found.text) == _bare(span)
    assert len(found.boxes) == 1
    box = found.boxes[0]
    assert _inside(box, image)
    _near_line(box, PARAGRAPH[1], PARAGRAPH[1][2].index("budget"))
    assert _share(image, box, _yellowish) > 0.5
    assert image.getpixel((30, 30)) == (255, 255, 255)
    # the closing line is drawn (dark pixels) but not highlighted
    far_left, far_baseline = FAR_LINE[0] * 2, (LETTER[1] - FAR_LINE[1]) * 2
    far = (far_left, far_baseline - 20, far_left + 200, far_baseline)
    assert _share(image, far, lambda p: p[0] < 100) > 0.05
    assert _share(image, far, _yellowish) == 0


def test_span_across_a_line_break_and_a_hyphenated_word():
    pdf = _pdf([PARAGRAPH])
    span = "more public participation in budget"
    png, found = render_highlight(pdf, 1, span)
    image = _image(png)
    assert found.matched
    assert "partici-pation" in found.text  # PDFium's break hyphen, shown as printed
    assert _bare(found.text).replace("-", "") == _bare(span)
    first, second = found.boxes
    _near_line(first, PARAGRAPH[0], PARAGRAPH[0][2].index("more"))
    _near_line(second, PARAGRAPH[1], 0)
    # the first box runs to the line-end hyphen, the second stops after "budget"
    assert abs(first[2] - _x_of(PARAGRAPH[0], len(PARAGRAPH[0][2])) * 2) <= 4
    assert abs(second[2] - _x_of(PARAGRAPH[1], PARAGRAPH[1][2].index(" decisions")) * 2) <= 4
    assert all(_inside(box, image) and _share(image, box, _yellowish) > 0.5 for box in found.boxes)


def test_span_on_page_two_of_three():
    pages = [
        [(72, 700, "The first page is about parks.")],
        [(72, 650, "Page two says the assembly met on Tuesday evening.")],
        [(72, 600, "The third page is about roads.")],
    ]
    pdf = _pdf(pages)
    span = "the assembly met on Tuesday"
    assert page_count(pdf) == 3
    assert locate_span(pdf, 1, span) is None
    assert locate_span(pdf, 3, span) is None
    start, end = locate_span(pdf, 2, span)
    png, found = render_highlight(pdf, 2, span)
    assert found.page == 2 and found.matched
    assert end - start == len(span)
    assert _bare(found.text) == _bare(span)
    (box,) = found.boxes
    _near_line(box, pages[1][0], pages[1][0][2].index("the assembly"))
    assert _share(_image(png), box, _yellowish) > 0.5


def test_span_not_on_the_page_gives_the_plain_page():
    pdf = _pdf([PARAGRAPH])
    png, found = render_highlight(pdf, 1, "participatory budgeting in Porto Alegre since 1989")
    assert not found.matched
    assert found.boxes == [] and found.text == ""
    assert locate_span(pdf, 1, "participatory budgeting in Porto Alegre") is None
    plain, empty = render_highlight(pdf, 1, "  \n ")
    assert not empty.matched and empty.boxes == []
    assert png == plain
    image = _image(png)
    assert image.size == (1224, 1584)
    assert not any(_yellowish(p) for p in image.get_flattened_data())


@pytest.mark.parametrize(
    ("size", "scale"), [(LETTER, 2.0), (LETTER, 1.5), ((595.2756, 841.8898), 2.0)]
)
def test_image_is_the_page_size_times_the_scale(size, scale):
    lines = [(72, size[1] - 100, "A short line of text near the top.")]
    png, found = render_highlight(_pdf([lines], size=size), 1, "short line", scale=scale)
    image = _image(png)
    assert image.size == (math.ceil(size[0] * scale), math.ceil(size[1] * scale))
    _near_line(found.boxes[0], lines[0], 2, scale=scale, height=size[1])


def test_a_repaired_character_is_still_located_but_a_different_passage_is_not():
    pdf = _pdf([PARAGRAPH])
    # one character repaired near the middle: no exact match, and the longest common block
    # is under 80% of the span, but the characters aligned around it are not
    repaired = "more public participation in budg\u00e9t decisions every year"
    _, found = render_highlight(pdf, 1, repaired)
    assert found.matched and len(found.boxes) == 2
    assert _bare(found.text).replace("-", "") == _bare(repaired).replace("\u00e9", "e")
    # a passage that shares half its characters is some other passage: no highlight
    assert locate_span(pdf, 1, "budget decisions every year, with nothing in common left") is None


def test_the_cleaned_text_of_the_pdf_locates_on_its_page(tmp_path):
    from ingest.clean import clean_pages
    from ingest.readers import read_document

    lines = [
        *PARAGRAPH,
        (72, 655, "Residents valued the budgets of 2005-"),
        (72, 640, "2006 and the \u201cright to know\u201d above speed."),
    ]
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf([lines]))
    cleaned = clean_pages(read_document(path, 2**20).pages).text
    # the ingest joined the word PDFium marked as broken and kept the hyphen it did not
    assert "public participation in budget" in cleaned and "2005- 2006" in cleaned
    for words in ("public participation", "asked for", "budgets of 2005", "accounts online"):
        start = cleaned.index(words)
        cited = cleaned[start : start + 45]
        assert locate_span(path.read_bytes(), 1, cited) is not None, cited
        _, found = render_highlight(path.read_bytes(), 1, cited)
        assert found.matched, cited
        assert _bare(found.text).replace("-", "") == _bare(cited).replace("-", "")


def test_a_repeated_span_takes_the_first_occurrence():
    lines = [(72, 700, "The board met in March."), (72, 600, "The board met in March.")]
    _, found = render_highlight(_pdf([lines]), 1, "board met")
    (box,) = found.boxes
    _near_line(box, lines[0], 4)


def test_a_rotated_page_gets_boxes_over_its_ink():
    # with /Rotate 90 reportlab swaps the media box: drawn on 792 x 612, shown 612 x 792
    lines = [(72, 500, "Sideways text about ward councils and their budgets.")]
    pdf = _pdf([lines], rotate=90)
    png, found = render_highlight(pdf, 1, "ward councils")
    plain, _ = render_highlight(pdf, 1, "")
    image = _image(png)
    assert image.size == (1224, 1584)
    (box,) = found.boxes
    left, top, right, bottom = box
    assert bottom - top > right - left  # the line runs down the rendered page
    assert abs(top - _x_of(lines[0], lines[0][2].index("ward")) * 2) <= 4
    assert left < 500 * 2 < right  # turned clockwise: baseline y = 500 pt is x = 1000 px
    assert _share(_image(plain), box, lambda p: p[0] < 128) > 0.05
    assert _share(image, box, _yellowish) > 0.4


def test_a_page_too_large_is_drawn_smaller(monkeypatch):
    monkeypatch.setattr(page_image, "MAX_PIXELS", 200_000)
    png, found = render_highlight(_pdf([PARAGRAPH]), 1, "budget decisions", scale=4.0)
    image = _image(png)
    assert image.width * image.height <= 200_000 + image.width + image.height
    assert found.matched and all(_inside(box, image) for box in found.boxes)
    assert _share(image, found.boxes[0], _yellowish) > 0.3


def test_bad_input_is_one_clear_error_or_no_highlight():
    pdf = _pdf([PARAGRAPH])
    for call in (
        lambda: page_count(b"%PDF-1.4 not really"),
        lambda: locate_span(b"garbage", 1, "x"),
        lambda: render_highlight(b"", 1, "x"),
    ):
        with pytest.raises(PageImageError, match="corrupt PDF"):
            call()
    for page in (0, 2, -1):
        with pytest.raises(PageImageError, match=f"page {page} out of range"):
            render_highlight(pdf, page, "budget")
    with pytest.raises(ValueError, match="scale"):
        render_highlight(pdf, 1, "budget", scale=0)
    assert locate_span(pdf, 1, "") is None
    assert not render_highlight(pdf, 1, "")[1].matched


def test_normalise_drops_layout_and_maps_back_to_layer_indices():
    layer = list("a par-\r\ntici\ufffepate self-rule \ufb01ne cafe\u0301 x\u00ady")
    text, source = normalise(layer)
    assert text == "aparticipateself-rulefinecaf\u00e9xy"
    assert [layer[i] for i in source[:3]] == ["a", "p", "a"]
    assert layer[source[text.index("fine")]] == "\ufb01" == layer[source[text.index("ine")]]
    assert layer[source[text.index("\u00e9")]] == "e"
    assert normalise(layer, all_hyphens=True)[0] == "aparticipateselfrulefinecaf\u00e9xy"
    assert normalise("self-\ngovernment")[0] == "selfgovernment"


def test_an_encrypted_pdf_says_so():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([PARAGRAPH]))))
    writer.encrypt("secret", algorithm="RC4-128")  # RC4 needs no cryptography package
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(PageImageError, match="encrypted PDF"):
        render_highlight(locked.getvalue(), 1, "budget")
