"""A fuzz set of malformed and hostile files, written by the real libraries into a folder.

Each entry names what the ingest must do with the file: skip it with a one-line reason that
matches a pattern, or add it (hostile but readable text: its content must come out clean).
Used by tests/ingest/test_fuzz_input.py and by `make soak` (scripts/soak.py).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.ingest.test_bad_input import BAD_FILES, GOOD_FILES, make_bad_input_dir

GOOD_SENTENCE = (
    "The village council in the northern district met each month to review the budget "
    "and to answer residents' questions about water, roads and schools."
)


@dataclass(frozen=True)
class Expect:
    """`skip` is a regex the skip reason must match; None means the file must be added."""

    skip: str | None = None
    absent: tuple[str, ...] = ()  # strings that must not reach the catalog text


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _replace_in_zip(data: bytes, name: str, content: bytes | Callable[[zipfile.ZipFile], None]):
    """The DOCX `data` with member `name` rewritten (bytes, or a writer for huge members)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
            elif callable(content):
                content(target)
            else:
                target.writestr(name, content)
    return out.getvalue()


def _zip_bomb_docx(expanded_mb: int) -> bytes:
    """A DOCX whose document.xml inflates to `expanded_mb` MB of blank paragraphs."""

    def write(target: zipfile.ZipFile) -> None:
        with target.open("word/document.xml", "w") as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            block = b"<w:p/>" * (1 << 17)
            for _ in range(expanded_mb * 2**20 // len(block)):
                member.write(block)
            member.write(b"</w:body></w:document>")

    return _replace_in_zip(_docx_bytes(["x"]), "word/document.xml", write)


def _lying_zip_bomb_docx() -> bytes:
    """A bomb whose central directory claims 1 kB for a document.xml that inflates to
    100 MB: a size check that believes the headers passes it, so the reader must not
    inflate past what the headers say."""
    data = bytearray(_zip_bomb_docx(100))
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) >= 0:
        name_len = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_len] == b"word/document.xml":
            struct.pack_into("<I", data, position + 24, 1024)  # uncompressed size
            return bytes(data)
        position += 4
    raise AssertionError("document.xml not found in the central directory")


def _entity_docx(body: str) -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()
    return _replace_in_zip(_docx_bytes(["placeholder"]), "word/document.xml", xml)


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BILLION_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "lol lol lol lol lol lol lol lol lol lol">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + f"]><w:document {_W}><w:body><w:p><w:r><w:t>&i; {GOOD_SENTENCE}</w:t></w:r></w:p>"
    "</w:body></w:document>"
)
XXE = (
    '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f"<w:document {_W}><w:body><w:p><w:r><w:t>&xxe; {GOOD_SENTENCE}</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def _pdf(pages: int, text: str = "") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for _ in range(pages):
        if text:
            pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _ten_thousand_line_paragraph() -> str:
    rng = random.Random(7)
    words = GOOD_SENTENCE.rstrip(".").split()
    return "\n".join(" ".join(rng.sample(words, 3)) for _ in range(10_000)) + "\n"


YAML_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    + f"title: *h\n---\n{GOOD_SENTENCE}\n"
)

# name -> (bytes or text, expectation); names with control characters test the report too
HOSTILE: dict[str, tuple[Callable[[], bytes | str], Expect]] = {
    "bomb.docx": (lambda: _zip_bomb_docx(210), Expect(skip=r"expands to .* MB")),
    "lying_bomb.docx": (_lying_zip_bomb_docx, Expect(skip=r"corrupt DOCX")),
    "billion_laughs.docx": (
        lambda: _entity_docx(BILLION_LAUGHS),
        Expect(skip=r"corrupt DOCX.*entity"),
    ),
    "xxe.docx": (lambda: _entity_docx(XXE), Expect(skip=r"empty document|corrupt DOCX")),
    "no_document_xml.docx": (
        lambda: _zip_of({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<x/>"}),
        Expect(skip=r"no word/document.xml"),
    ),
    "pages_3001.pdf": (lambda: _pdf(3001, "page"), Expect(skip=r"3001 pages")),
    "blank_pages_400.pdf": (lambda: _pdf(400), Expect(skip=r"OCR")),
    "truncated_half.pdf": (lambda: _pdf(3, GOOD_SENTENCE[:80])[:400], Expect(skip=r"corrupt PDF")),
    "script_text.pdf": (
        lambda: _pdf(1, "<script>alert(1)</script> " + GOOD_SENTENCE[:60]),
        Expect(),
    ),
    "nested_100k.html": (
        lambda: "<html><body>" + "<div>" * 100_000 + GOOD_SENTENCE + "</div>" * 100_000,
        Expect(),
    ),
    "siblings_200k.html": (
        lambda: "<html><body>" + "<p></p>" * 200_000 + f"<p>{GOOD_SENTENCE}</p></body></html>",
        Expect(),
    ),
    "scripts_only.html": (
        lambda: "<html><body>" + "<script>alert(document.cookie)</script>" * 500,
        Expect(skip=r"no visible text"),
    ),
    "onerror.html": (
        lambda: (
            f'<html><body><p>{GOOD_SENTENCE}</p><img src=x onerror="alert(1)">'
            "<iframe src=javascript:alert(2)></iframe><svg onload=alert(3)></svg></body></html>"
        ),
        Expect(absent=("alert(",)),
    ),
    "nul_bytes.txt": (
        lambda: (GOOD_SENTENCE + "\n").encode().replace(b" ", b"\x00 ") * 20,
        Expect(skip=r"NUL bytes"),
    ),
    "only_nuls.txt": (lambda: b"\x00" * 50_000, Expect(skip=r"NUL bytes")),
    "control_chars.txt": (
        lambda: "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) * 2000,
        Expect(skip=r"binary content"),
    ),
    "ten_thousand_lines.txt": (_ten_thousand_line_paragraph, Expect()),
    "one_huge_line.txt": (lambda: (GOOD_SENTENCE.rstrip(".") + " and ") * 2_000, Expect()),
    "one_huge_word.txt": (lambda: "a" * 1_500_000, Expect(skip=r"no text left")),
    "yaml_bomb.md": (lambda: YAML_BOMB, Expect()),
    "python_tag.md": (
        lambda: (
            f"---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n{GOOD_SENTENCE}\n"
        ),
        Expect(),
    ),
    "elf_binary.txt": (
        lambda: b"\x7fELF\x02\x01\x01" + random.Random(3).randbytes(20_000),
        Expect(skip=r"binary content"),
    ),
    "gzip.txt": (
        lambda: __import__("gzip").compress(GOOD_SENTENCE.encode() * 100),
        Expect(skip=r"binary content"),
    ),
    "pdf_named.docx": (lambda: _pdf(1, GOOD_SENTENCE[:80]), Expect()),
    "utf16.txt": (lambda: (GOOD_SENTENCE + "\n").encode("utf-16"), Expect()),
    "rtl_override.md": (lambda: f"# Case\n\n\u202e{GOOD_SENTENCE}\u202c\n", Expect()),
    "term\x1b[31mcolour.txt": (
        lambda: random.Random(5).randbytes(3000),
        Expect(skip=r"binary|decode"),
    ),
    "new\nline.pdf": (lambda: b"not a pdf at all" * 10, Expect(skip=r"not a PDF")),
}


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def expectations() -> dict[str, Expect]:
    """Every file of the fuzz set: the hostile ones above plus the bad-input set."""
    found = {name: expect for name, (_, expect) in HOSTILE.items()}
    found |= {name: Expect(skip=pattern) for name, pattern in BAD_FILES.items()}
    found |= {name: Expect() for name in GOOD_FILES}
    return found


def make_hostile_dir(root: Path) -> dict[str, Expect]:
    """Write the whole fuzz set into `root`; return file name -> expectation."""
    make_bad_input_dir(root)
    for name, (make, _) in HOSTILE.items():
        content = make()
        path = root / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return expectations()
