"""Text files are decoded by detecting their encoding; bytes nothing explains are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.encoding import decode_text
from ingest.readers import read_document
from ingest.records import IngestError

THAI = (
    "เทศบาลเมืองกาฬสินธุ์ร่วมมือกับโรงพยาบาลและอาสาสมัครในการดูแลผู้สูงอายุ "
    "เครือข่ายนี้เติบโตขึ้นจนครอบคลุมสิบสองหมู่บ้านภายในสามปี "
    "ผู้ให้สัมภาษณ์กล่าวว่าความไว้วางใจระหว่างหน่วยงานเป็นปัจจัยสำคัญที่สุด\n"
)
FRENCH = (
    "Le budget participatif de Paris a été lancé en 2014. Les habitants proposent des "
    "projets, votent, et la mairie réalise ceux qui l’emportent — « une réussite », "
    "selon l’adjointe chargée de la démocratie locale.\n"
)


def test_utf8_is_read_as_utf8() -> None:
    assert decode_text(FRENCH.encode("utf-8"), Path("a.txt")) == (FRENCH, "utf-8")


def test_cp1252_is_detected() -> None:
    """The detector may name a sibling code page (cp1250 has the same bytes for these
    characters); what matters is that every character comes back."""
    text, encoding = decode_text(FRENCH.encode("cp1252"), Path("a.txt"))
    assert text == FRENCH and encoding != "utf-8"


def test_tis620_thai_is_detected() -> None:
    text, encoding = decode_text(THAI.encode("tis-620"), Path("thai.txt"))
    assert text == THAI
    assert encoding.replace("-", "").replace("_", "") in {"tis620", "cp874", "iso885911"}


def test_utf16_with_a_bom() -> None:
    text, encoding = decode_text(THAI.encode("utf-16"), Path("thai.txt"))
    assert (text, encoding) == (THAI, "utf-16")


def test_a_utf16_bom_before_broken_text_is_reported() -> None:
    with pytest.raises(IngestError, match="invalid utf-16"):
        decode_text(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8", Path("bad.txt"))


def test_undecodable_bytes_are_reported_not_decoded(tmp_path: Path) -> None:
    """Bytes of no text encoding (control codes throughout) end as the file's reason."""
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 32)) * 200 + b"\x81\x8d\x8f\x90\x9d" * 50)
    with pytest.raises(IngestError) as caught:
        read_document(path, 1 << 20)
    assert caught.value.path == str(path)
    assert "binary" in caught.value.reason or "cannot decode" in caught.value.reason


def test_nul_bytes_mean_binary(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="NUL bytes"):
        decode_text(b"PK\x03\x04\x00\x00 not text", Path("archive.txt"))
