"""Decode text files by detecting their encoding instead of assuming UTF-8."""

from pathlib import Path

from charset_normalizer import from_bytes

from ingest.records import IngestError

_BOMS = {
    b"\xef\xbb\xbf": "utf-8-sig",
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
}


def _looks_binary(text: str) -> bool:
    """Control characters other than whitespace mean the bytes were not text."""
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return "\x00" in text or controls / len(text) > 0.01


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Return (text, encoding name).

    UTF-8 is tried strictly first because it is by far the commonest and detection on short
    files is noisy; otherwise charset-normalizer picks (it knows cp874/TIS-620 Thai and the
    Windows code pages). Bytes no encoding explains are reported, never decoded lossily
    (dropping or replacing bytes would silently lose text).
    """
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise IngestError(path, f"invalid {name} text ({exc.reason})") from exc
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary content (NUL bytes), not a text file")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None or best.encoding is None:
            raise IngestError(path, "cannot decode text: no known encoding fits") from None
        text, encoding = str(best), best.encoding
    if _looks_binary(text):
        raise IngestError(path, f"binary content, not text (decoded as {encoding})")
    return text, encoding
