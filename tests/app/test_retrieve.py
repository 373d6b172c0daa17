"""Retrieval executes a plan's Search: its scope, the filters and the per-document cap are
honoured, and dense and lexical ranks are fused by reciprocal rank (tiny real index)."""

from __future__ import annotations

import pytest

from app.plan import PerDocument, Scope, Search
from app.records import Filters
from app.retrieve import reciprocal_rank_fusion


def search_for(engine, text, scope=None, per_document=None):
    vector = engine.embedder.embed([text])[0]
    return Search(text, vector, scope or Scope.corpus(), per_document or PerDocument())


def docs_of(evidence) -> set[str]:
    return {ev.chunk.doc_id for ev in evidence}


def test_reciprocal_rank_fusion_on_a_known_case():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60)
    assert sorted(fused, key=lambda i: -fused[i]) == ["a", "c", "b"]
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)


def test_the_ranking_is_the_fusion_of_its_dense_and_lexical_ranks(tiny):
    ranking = tiny.retriever.ranking(search_for(tiny, "water boards repaired wells"))
    dense = sorted((ev for ev in ranking if ev.dense is not None), key=lambda e: -e.dense)
    lexical = sorted((ev for ev in ranking if ev.lexical is not None), key=lambda e: -e.lexical)
    expected = reciprocal_rank_fusion(
        [[e.chunk.id for e in dense], [e.chunk.id for e in lexical]], tiny.settings.retrieval.rrf_k
    )
    assert [ev.chunk.id for ev in ranking] == sorted(expected, key=lambda i: -expected[i])
    assert ranking[0].chunk.doc_id.startswith("lakeside")


def test_the_scope_is_honoured_even_when_the_text_is_about_another_case(tiny):
    hillcrest = next(d for d in tiny.retriever.documents() if d.startswith("hillcrest"))
    found = tiny.retriever.search(
        search_for(tiny, "Lakeside water boards repaired wells", Scope.of({hillcrest})), k=10
    )
    assert found and docs_of(found) == {hillcrest}


def test_the_search_does_not_scope_itself_to_names_in_its_text(tiny):
    found = tiny.retriever.search(search_for(tiny, "Lakeside water boards"), k=20)
    assert len(docs_of(found)) == 3


def test_filters_are_honoured(tiny):
    found = tiny.retriever.search(
        search_for(tiny, "residents decided the budget"), Filters(country="Sylvania"), k=10
    )
    assert found and all(ev.chunk.metadata.country == "Sylvania" for ev in found)
    old = tiny.retriever.search(
        search_for(tiny, "residents decided the budget"), Filters(year_to=2000), k=10
    )
    assert old and all(ev.chunk.metadata.place == "Hillcrest" for ev in old)


@pytest.mark.parametrize("cap", [1, 2])
def test_the_per_document_cap_is_honoured(tiny, cap):
    search = search_for(tiny, "officials published summaries of meetings", None, PerDocument(cap))
    capped = tiny.retriever.search(search, k=10)
    per_doc = [sum(ev.chunk.doc_id == d for ev in capped) for d in docs_of(capped)]
    assert max(per_doc) == cap and len(docs_of(capped)) == 3


def test_a_shared_cap_splits_k_among_the_scoped_documents(tiny):
    docs = {d for d in tiny.retriever.documents() if not d.startswith("hillcrest")}
    search = search_for(tiny, "meeting records", Scope.of(docs), PerDocument(shared_by=2))
    found = tiny.retriever.search(search, k=6)  # each of the two gives 3 of its 3-4
    assert len(found) == 6
    assert all(sum(ev.chunk.doc_id == d for ev in found) == 3 for d in docs)


def test_search_is_the_capped_head_of_the_ranking(tiny):
    search = search_for(tiny, "residents voted on the proposals")
    ranking = tiny.retriever.ranking(search)
    assert [e.chunk.id for e in tiny.retriever.search(search, k=3)] == [
        e.chunk.id for e in ranking[:3]
    ]
