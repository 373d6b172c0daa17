"""Look-alikes on hand-made documents: what counts as presenting oneself as an earlier
document, and the copied-sentence share that setting decides (ingest.lookalikes)."""

from __future__ import annotations

import dataclasses

from ingest.lookalikes import Known, copied_share, lookalikes
from ingest.records import DocMetadata
from ingest.settings import Settings
from tests.support.documents import make_document

GENUINE = [
    "The Kalasin network trained volunteers in every village.",
    "The hospital paid for the training.",
    "Visits doubled in the second year.",
    "The mayor chaired the monthly meeting.",
]
FRONT = {"authors": ["Sri, A."], "year": 2017, "place": "Kalasin", "country": "Thailand"}
READ = {field: "read from front matter" for field in FRONT}


def document(doc_id: str, title: str, sentences: list[str]):
    doc = make_document(doc_id, [" ".join(sentences)], title=title)
    meta = DocMetadata(title=title, **FRONT, provenance=READ)
    return dataclasses.replace(doc, metadata=meta)


def known(doc) -> dict[str, Known]:
    return {doc.doc_id: Known(doc.metadata, doc.path, [])}


def test_same_title_other_text_is_a_lookalike_same_text_is_not() -> None:
    genuine = document("genuine", "Volunteer Care in Kalasin", GENUINE)
    planted = document("copy", "Volunteer care in KALASIN!", [*GENUINE[:3], "It failed."])
    texts = {"genuine": genuine.text}
    assert lookalikes(planted, known(genuine), texts.get, 0.5) == ["genuine"]
    same = document("same", genuine.metadata.title, GENUINE)
    assert lookalikes(same, known(genuine), texts.get, 0.5) == []


def test_retitled_copy_is_a_lookalike_from_the_copied_share_set() -> None:
    genuine = document("genuine", "Volunteer Care in Kalasin", GENUINE)
    retitled = document("copy", "A Review of Kalasin", [*GENUINE[:3], "It failed."])
    texts = {"genuine": genuine.text}
    share = copied_share(retitled.text, genuine.text)
    assert share == 0.75
    default = Settings().ingest.lookalike_copied_share
    assert lookalikes(retitled, known(genuine), texts.get, default) == ["genuine"]
    assert lookalikes(retitled, known(genuine), texts.get, 0.8) == []  # the setting decides
    own = document("own", "Kalasin Audit", ["Auditors counted every receipt of the works."])
    assert lookalikes(own, known(genuine), texts.get, default) == []
