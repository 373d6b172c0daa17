"""Small real `Document`s for storage tests: built by hand, so each test states its input."""

from __future__ import annotations

import hashlib

from ingest.records import Chunk, DocMetadata, Document, DroppedLine, Interview, RepairedLine


def make_document(
    doc_id: str, passages: list[str], *, sha256: str = "v1", title: str = "A brief"
) -> Document:
    """A document whose text is `passages` joined by blank lines, one chunk per passage,
    with one dropped and one repaired line and an interview, as the cleaner would record."""
    text = "\n\n".join(passages)
    interview = Interview(name="Kachonrak, O.", role="Officer", date="2017-11-30", raw="(K.)")
    chunks, start = [], 0
    for ordinal, passage in enumerate(passages):
        digest = hashlib.sha1(f"{doc_id}|{passage}".encode()).hexdigest()[:16]
        chunks.append(
            Chunk(
                id=f"{doc_id}-{digest}",
                doc_id=doc_id,
                ordinal=ordinal,
                text=passage,
                start=start,
                end=start + len(passage),
                page=ordinal + 1,
                section="Background" if ordinal == 0 else "Outcomes",
                interviews=[interview] if ordinal == 0 else [],
            )
        )
        start += len(passage) + 2
    return Document(
        doc_id=doc_id,
        path=f"corpus/{doc_id}.txt",
        source=f"/srv/corpus/{doc_id}.txt",
        format="text",
        sha256=sha256,
        metadata=DocMetadata(title=title, country="Thailand", place="Kalasin", year=2017),
        text=text,
        chunks=chunks,
        dropped=[DroppedLine(line=3, text="Çâ¹ ÊÑ§¤Á", reason="mojibake", page=2)],
        repaired=[RepairedLine(line=7, before="donâ€™t", after="don’t", reason="ftfy")],
        interviews=[interview],
    )
