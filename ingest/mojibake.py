"""Repair recoverable mojibake: Thai TIS-620 bytes read through a Western code page, and
UTF-8 read as cp1252/Latin-1 once or twice (ftfy)."""

from __future__ import annotations

import ftfy

from ingest.text import THAI_CHAR

# Western code pages a TIS-620 Thai file is commonly mis-read through. Latin-1 also covers
# "glyph-offset" runs (each Thai code point minus 0xD60), which are the same characters.
_THAI_MISREADS = (("cp1252", "cp1252"), ("latin-1", "Latin-1"), ("mac_roman", "MacRoman"))


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def repair_tis620(line: str) -> tuple[str, str] | None:
    """Thai TIS-620 bytes decoded as cp1252, Latin-1 or MacRoman (`¡ÒÃ»¡¤ÃÍ§` ->
    การปกครอง): (fixed line, code page) or None."""
    visible = [ch for ch in line if not ch.isspace()]
    if len(visible) < 3 or sum(not ch.isascii() for ch in visible) / len(visible) < 0.5:
        return None
    for codec, name in _THAI_MISREADS:
        try:
            data = line.encode(codec)
            fixed = data.decode("tis_620")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _valid_utf8(data):
            return None  # UTF-8 read through a code page: ftfy's case, not TIS-620
        thai = len(THAI_CHAR.findall(fixed))
        letters = sum(1 for ch in fixed if ch.isalpha())
        if letters and thai / letters >= 0.8:
            return fixed, name
    return None


def repair_line(line: str) -> tuple[str, str] | None:
    """Return (fixed line, reason) for recoverable mojibake, else None."""
    fixed_thai = repair_tis620(line)
    if fixed_thai is not None:
        return fixed_thai[0], f"Thai TIS-620 read as {fixed_thai[1]}"
    fixed = ftfy.fix_encoding(line)
    if fixed != line:
        return fixed, "UTF-8 read as cp1252/Latin-1 (ftfy)"
    return None
