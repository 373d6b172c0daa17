"""One reader per file format behind `read_document`, chosen from a suffix table."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import yaml

from ingest.encoding import decode_text
from ingest.page_labels import pdf_page_labels
from ingest.records import IngestError, Page, RawDocument

MAX_PDF_PAGES = 3000
MAX_DOCX_EXPANDED_MB = 200
MAX_FRONT_MATTER_ITEMS = 1000

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def _expanded_size(value: object) -> int:
    """Items of a loaded YAML value with aliases expanded, counted up to a limit (a
    recursive alias, `&a [*a]`, is endless: the limit ends it)."""
    count, stack = 0, [value]
    while stack and count <= MAX_FRONT_MATTER_ITEMS:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
    return count


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split YAML front matter from the body; malformed YAML is left in the body as text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        fields = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(fields, dict) or _expanded_size(fields) > MAX_FRONT_MATTER_ITEMS:
        return {}, text  # aliases can make 500 bytes of YAML expand to millions of items
    return {str(k): v for k, v in fields.items() if v not in (None, "")}, text[match.end() :]


def read_text(path: Path, data: bytes) -> RawDocument:
    """Plain text and Markdown, with optional YAML front matter."""
    text, _encoding = decode_text(data, path)
    fields, body = split_front_matter(text)
    if not body.strip():
        raise IngestError(path, "empty file: no text")
    fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
    if fmt == "md":
        body = markdown_inline_to_text(body)
    return RawDocument(path, fmt, [Page(body)], fields, "front matter" if fields else "")


_MD_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+", re.M)
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")


def markdown_inline_to_text(body: str) -> str:
    """Markdown markup is not the author's words: quoting "- **Residents.** Any..." in a
    citation helps nobody. Emphasis and link syntax go; each list item becomes its own
    paragraph (so items never run together); headings stay for the cleaner to use."""
    body = _MD_LINK.sub(r"\1", body)
    body = _MD_STRONG.sub(r"\2", body)
    body = _MD_EMPHASIS.sub(r"\1", body)
    return _MD_LIST_ITEM.sub("\n", body)


def _pdfium_text(text: str) -> str:
    """PDFium reports a hyphen it knows was added at a line break as U+FFFE (or a soft
    hyphen): join the word back together instead of leaving a non-character inside it."""
    text = re.sub("[\ufffe\u00ad]\r?\n", "", text.replace("\r\n", "\n"))
    return text.replace("\ufffe", "")


# What PDF writers put in Info when nobody named the document: reportlab's "untitled" and
# "anonymous", Word's "Microsoft Word - draft3.docx", a bare file name. Taken as read, they
# would replace the title printed on the page.
_PLACEHOLDER = re.compile(
    r"(?:untitled|anonymous|unknown|none|null|author|title|user|admin|owner|"
    r"microsoft word\s*-.*|.*\.(?:docx?|pdf|odt|rtf|indd|tex|qxp))",
    re.I,
)


def _placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.fullmatch(value.strip()))


def read_pdf(path: Path, data: bytes) -> RawDocument:
    """PDF through pypdfium2 (PDFium, Apache/BSD): fast, robust on damaged files."""
    import pypdfium2 as pdfium

    if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise IngestError(path, "not a PDF: content does not start with %PDF")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise IngestError(path, "encrypted PDF: needs a password, skipped") from exc
        raise IngestError(path, f"corrupt PDF: {exc}") from exc
    try:
        count = len(pdf)
        if count == 0:
            raise IngestError(path, "PDF has no pages")
        if count > MAX_PDF_PAGES:
            raise IngestError(path, f"PDF has {count} pages, over the {MAX_PDF_PAGES} limit")
        pages = []
        for index in range(count):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(Page(_pdfium_text(textpage.get_text_range()), index + 1))
            textpage.close()
            page.close()
        info = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    if not any(p.text.strip() for p in pages):
        raise IngestError(path, "no text layer (scanned images?); OCR not supported")
    fields: dict[str, object] = {}
    if info.get("Title") and not _placeholder(info["Title"]):
        fields["title"] = info["Title"]
    if info.get("Author") and not _placeholder(info["Author"]):
        fields["authors"] = info["Author"]
    year = re.match(r"D:(\d{4})", info.get("CreationDate", ""))
    if year and fields:
        fields["year"] = int(year.group(1))
    labels = pdf_page_labels(data, [p.text for p in pages])
    return RawDocument(
        path,
        "pdf",
        pages,
        fields,
        "PDF metadata" if fields else "",
        file_info={str(k): str(v) for k, v in info.items()},
        page_labels=labels.labels,
        page_label_kind=labels.kind,
    )


def _check_zip(path: Path, data: bytes) -> None:
    """Refuse truncated archives and zip bombs before python-docx inflates them."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise IngestError(path, "corrupt DOCX: not a readable zip archive") from exc
    with archive:
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > MAX_DOCX_EXPANDED_MB * 1024 * 1024:
            raise IngestError(
                path, f"DOCX expands to {expanded / 2**20:.0f} MB, over the safety limit"
            )
        if "word/document.xml" not in archive.namelist():
            raise IngestError(path, "corrupt DOCX: no word/document.xml inside")
        # the headers can lie (python-docx would then inflate a member whole before its
        # CRC check fails): inflate each member in bounded steps and count what comes out
        limit, inflated = MAX_DOCX_EXPANDED_MB * 1024 * 1024, 0
        try:
            for info in archive.infolist():
                with archive.open(info) as member:
                    while block := member.read(1 << 20):
                        inflated += len(block)
                        if inflated > limit:
                            raise IngestError(path, "DOCX expands beyond the safety limit")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise IngestError(path, f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc


def read_docx(path: Path, data: bytes) -> RawDocument:
    """DOCX through python-docx; headings become Markdown headings so sections survive."""
    import io

    import docx

    _check_zip(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for damaged parts
        raise IngestError(path, f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            text = paragraph.text.strip()
            style = (paragraph.style.name or "").lower() if paragraph.style else ""
            if text and style.startswith(("heading", "title")):
                lines += ["", f"## {text}", ""]
            else:
                lines += [text, ""]
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                lines.append(" | ".join(cell.text.strip() for cell in row.cells))
            lines.append("")
    body = "\n".join(lines)
    if not body.strip():
        raise IngestError(path, "empty document: no text")
    core = document.core_properties
    fields: dict[str, object] = {}
    if core.title:
        fields["title"] = core.title
    if core.author:
        fields["authors"] = core.author
    if core.created and fields:
        fields["year"] = core.created.year
    text_fields, body = split_front_matter(body)
    fields = text_fields | fields
    return RawDocument(path, "docx", [Page(body)], fields, "DOCX properties" if fields else "")


_HTML_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "tr",
        "br",
        "section",
        "article",
        "blockquote",
        "table",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "caption",
        "pre",
        "hr",
        "address",
        "details",
        "summary",
        "form",
        "fieldset",
    ]
)
# Table cells: a browser shows them apart, so their texts must not run together
# ("unknownN/A" read as one gibberish token); a row becomes one line, cells split by " | ".
_HTML_CELLS = frozenset(("td", "th"))
_HTML_HIDDEN = frozenset(("script", "style", "noscript", "template", "iframe", "svg", "head"))
_HTML_HEADINGS = frozenset(f"h{level}" for level in range(1, 7))


def _visible_text(soup) -> str:
    """The page's visible text in one iterative walk: headings as Markdown headings, a
    paragraph break before each block. Editing the tree instead (insert_before, decompose)
    costs a sibling scan per edit, quadratic on a page of 200k paragraphs, and a recursive
    walk overflows on 100k nested divs."""
    from bs4 import CData, NavigableString

    parts: list[str] = []
    stack = [iter(soup.contents)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # not comments, doctypes, PIs
                parts.append(str(node))
        elif node.name in _HTML_HIDDEN:
            continue
        elif node.name in _HTML_HEADINGS:
            parts.append(f"\n\n## {node.get_text(' ', strip=True)}\n\n")
        else:
            if node.name in _HTML_BLOCKS:
                parts.append("\n" if node.name == "br" else "\n\n")
            elif node.name in _HTML_CELLS:
                parts.append(" | ")
            stack.append(iter(node.contents))
    return "".join(parts)


def read_html(path: Path, data: bytes) -> RawDocument:
    """HTML: scripts and styles removed, headings kept as Markdown headings, meta tags read."""
    from bs4 import BeautifulSoup

    text, _encoding = decode_text(data, path)
    soup = BeautifulSoup(text, "html.parser")
    fields: dict[str, object] = {}
    metas = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content", "")
        for m in soup.find_all("meta")
    }
    title = metas.get("citation_title") or (soup.title.get_text(strip=True) if soup.title else "")
    if title:
        fields["title"] = title
    authors = [
        m.get("content", "") for m in soup.find_all("meta", attrs={"name": "citation_author"})
    ] or ([metas["author"]] if metas.get("author") else [])
    if authors:
        fields["authors"] = authors
    for key in ("citation_publication_date", "citation_date", "dc.date"):
        year = re.match(r"(\d{4})", metas.get(key, ""))
        if year:
            fields["year"] = int(year.group(1))
            break
    for key in ("place", "country", "level", "policy_area", "case_years"):
        if metas.get(f"govqa:{key}"):
            fields[key] = metas[f"govqa:{key}"]
    body = _visible_text(soup)
    body = re.sub(r"[ \t]+", " ", body)
    body = re.sub(r"(?m)^ ?\| ", "", body)  # a row's first cell starts its line
    body = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", body).strip()
    if not body:
        raise IngestError(path, "empty HTML: no visible text")
    return RawDocument(path, "html", [Page(body)], fields, "HTML meta tags" if fields else "")


Reader = Callable[[Path, bytes], RawDocument]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}


def _sniff_suffix(data: bytes) -> str | None:
    """The format the bytes really are, for files whose name lies about it."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return ".docx"
    lowered = head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return ".html"
    return None


def check_size(path: Path, max_bytes: int) -> None:
    """Refuse a file over the limit before anything reads it whole."""
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(
            path, f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit"
        )


def read_document(path: Path, max_bytes: int) -> RawDocument:
    """Read any supported file; every failure is an `IngestError(path, reason)`."""
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise IngestError(path, f"unsupported file type '{suffix or '(none)'}'")
    try:
        check_size(path, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError(path, "empty file (0 bytes)" if not data else "empty file: only blanks")
    actual = _sniff_suffix(data)
    if actual and actual != suffix and not (actual == ".html" and suffix == ".htm"):
        document = READERS[actual](path, data)
        document.read_from = (document.read_from + f"; content is {actual[1:]}").lstrip("; ")
        return document
    return READERS[suffix](path, data)
