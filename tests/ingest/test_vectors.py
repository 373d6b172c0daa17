"""The Chroma vector index on a real embedded store, with embeddings passed explicitly."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ingest.settings import Settings
from ingest.vectors import StoreError, VectorIndex, chroma_client
from tests.support.documents import make_document

DIM = 8  # Chroma takes any width; small vectors keep the expected cosines readable


def _unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture
def stored(settings: Settings):
    """An index holding two documents of two chunks each, every chunk on its own axis."""
    docs = [
        make_document("kalasin", ["Volunteers visited.", "The network grew."]),
        make_document("solo", ["Vendors moved.", "The market opened."]),
    ]
    ids = [c.id for d in docs for c in d.chunks]
    vectors = {i: _unit(*([0.0] * n + [1.0])) for n, i in enumerate(ids)}
    index = VectorIndex(settings, owner="owner-a")
    index.upsert(docs, vectors)
    return index, ids, vectors


def test_upsert_then_query_ranks_by_cosine(stored) -> None:
    index, ids, _ = stored
    hits = index.query(_unit(0.1, 1.0, 0.3), k=3)
    assert [i for i, _ in hits] == [ids[1], ids[2], ids[0]]
    assert hits[0][1] == pytest.approx(1.0 / np.linalg.norm([0.1, 1.0, 0.3]), abs=1e-4)
    assert index.count() == 4 and index.all_ids() == set(ids)


def test_query_filters_on_chunk_metadata(stored) -> None:
    index, ids, _ = stored
    hits = index.query(_unit(1.0), k=4, where={"doc_id": "solo"})
    assert {i for i, _ in hits} == set(ids[2:])


def test_embeddings_for_returns_stored_vectors_of_known_ids(stored) -> None:
    index, ids, vectors = stored
    found = index.embeddings_for([ids[3], "never-stored", ids[0]])
    assert set(found) == {ids[3], ids[0]}
    np.testing.assert_allclose(found[ids[3]], vectors[ids[3]], atol=1e-6)


def test_delete_removes_only_the_given_ids(stored) -> None:
    index, ids, _ = stored
    index.delete(ids[:2])
    assert index.all_ids() == set(ids[2:])
    assert {i for i, _ in index.query(_unit(1.0), k=4)} == set(ids[2:])


def test_upsert_of_the_same_id_overwrites(stored) -> None:
    index = stored[0]
    doc = make_document("kalasin", ["Volunteers visited.", "The network grew."])
    index.upsert([doc], {c.id: _unit(0, 0, 0, 0, 0, 1.0) for c in doc.chunks})
    assert index.count() == 4
    assert index.query(_unit(0, 0, 0, 0, 0, 1.0), k=1)[0][1] == pytest.approx(1.0, abs=1e-4)


def test_a_collection_of_another_catalog_is_refused(stored, settings: Settings) -> None:
    with pytest.raises(StoreError, match="belongs to another index"):
        VectorIndex(settings, owner="owner-b")
    assert VectorIndex(settings, owner="owner-a").count() == 4


def test_a_bad_server_url_is_one_clear_error(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path, chroma_url="ftp://example/chroma")
    with pytest.raises(StoreError, match="expected http"):
        chroma_client(settings)


def _more(settings: Settings, catalog, name: str):
    """Another index on the same store (its own client, as another process has) writes a
    new document; returns the new chunk ids."""
    doc = make_document(name, [f"{name} met.", f"{name} voted."])
    with VectorIndex(settings, catalog=catalog) as writer:
        writer.upsert([doc], {c.id: _unit(0, 0, 0, 0, 1.0, n) for n, c in enumerate(doc.chunks)})
    return [c.id for c in doc.chunks]


def test_an_open_index_reads_what_another_client_wrote_since(settings) -> None:
    """Chroma's embedded client keeps the HNSW id map it loaded; without a reopen it fails
    with 'Error finding id' on vectors another client wrote after it opened."""
    from ingest.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    try:
        reader = VectorIndex(settings, catalog=catalog)
        first = _more(settings, catalog, "first")
        assert set(reader.embeddings_for(first)) == set(first)  # reopened: the write is counted
        second = _more(settings, catalog, "second")
        assert {i for i, _ in reader.query(_unit(0, 0, 0, 0, 1.0), k=4)} == {*first, *second}
        reader.close()
    finally:
        catalog.close()


def test_an_index_without_a_catalog_reopens_when_chroma_fails(settings) -> None:
    """No catalog counts the writes here, so the read fails once and is repeated on a
    reopened client."""
    from ingest.catalog import Catalog

    reader = VectorIndex(settings)
    reader.count()
    catalog = Catalog(settings.catalog_path)
    try:
        new = _more(settings, catalog, "uncounted")
    finally:
        catalog.close()
    assert set(reader.embeddings_for(new)) == set(new)


def test_reopened_clients_are_stopped(settings) -> None:
    """Each embedded client runs its own threads; a replaced one must not keep them."""
    from ingest.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    try:
        reader = VectorIndex(settings, catalog=catalog)
        _more(settings, catalog, "warm")
        reader.count()
        before = len(os.listdir("/proc/self/task"))
        for n in range(5):
            reader.embeddings_for(_more(settings, catalog, f"doc{n}"))  # a reopen each
        after = len(os.listdir("/proc/self/task"))
        reader.close()
    finally:
        catalog.close()
    assert after <= before + 2, f"{after - before} threads left behind by 5 reopens"


def test_a_read_only_index_reads_a_copy_taken_again_on_each_reopen(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only index never opens the store itself (Chroma would write into it): it
    reads a private copy, copies again when the catalog records another process's write
    (so it still sees that write), refuses writes of its own, and deletes its copies."""
    from ingest.catalog import Catalog, IndexReadOnly

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def copies() -> list[Path]:
        return sorted((tmp_path / "tmp").glob("govqa-vectors-*"))

    catalog = Catalog(settings.catalog_path)
    reading = Catalog(settings.catalog_path, read_only=True)
    try:
        first = _more(settings, catalog, "first")
        reader = VectorIndex(settings, catalog=reading, read_only=True)
        assert reader.all_ids() == set(first)
        [copy] = copies()
        second = _more(settings, catalog, "second")
        assert reader.all_ids() == {*first, *second}  # reopened on a fresh copy
        assert copies() != [copy] and len(copies()) == 1  # the replaced copy is deleted
        with pytest.raises(IndexReadOnly):
            reader.delete(first)
        reader.close()
        assert copies() == []
        with VectorIndex(settings, catalog=catalog) as writer:
            assert writer.all_ids() == {*first, *second}
    finally:
        reading.close()
        catalog.close()


def test_stored_metadata_is_what_llama_index_writes_and_reads(stored) -> None:
    """Writes skip importing llama-index (3.6 s a process) but must store what its
    ChromaVectorStore stores: the same dict for every chunk, Thai and no-page ones
    included, and a llama-index query over the collection gets our chunks back."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    from ingest.vectors import chunk_metadata, node_metadata

    thai = make_document("thai", ['เครือข่ายผู้สูงอายุ "กาฬสินธุ์"\nเติบโต.'], title="ข่าย — “quoted”")
    thai.chunks[0].page = None
    thai.metadata.year = None
    for doc in [*[make_document(n, ["Volunteers visited."]) for n in ("a", "b")], thai]:
        for chunk in doc.chunks:
            flat = chunk_metadata(chunk, doc.metadata, doc.path)
            node = TextNode(
                id_=chunk.id,
                text=chunk.text,
                metadata=dict(flat),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
            )
            ours = node_metadata(chunk.id, chunk.doc_id, dict(flat))
            theirs = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
            assert ours == theirs
            assert list(ours) == list(theirs)
    index, ids, vectors = stored
    result = index.store.query(
        VectorStoreQuery(query_embedding=[float(x) for x in vectors[ids[2]]], similarity_top_k=1)
    )
    assert [n.node_id for n in result.nodes] == [ids[2]]
    assert result.nodes[0].get_content() == "Vendors moved."
    assert result.nodes[0].ref_doc_id == "solo"
