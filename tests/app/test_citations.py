"""SourceList: one number per passage, spans marked once, other lists merged and
renumbered (chunks of a tiny real index)."""

from __future__ import annotations

import pytest

from app.citations import SourceList


@pytest.fixture(scope="module")
def chunks(tiny):
    retriever = tiny.retriever
    found = [c for d in sorted(retriever.documents()) for c in retriever.document_chunks(d)]
    assert len(found) >= 3
    return found


def test_the_same_passage_keeps_its_number_and_each_span_is_marked_once(chunks):
    sources = SourceList()
    a, b = chunks[0], chunks[1]
    assert sources.cite(a, (0, 10)) == 1
    assert sources.cite(b) == 2
    assert sources.cite(a, (0, 10)) == 1
    assert sources.cite(a, (12, 20)) == 1
    listed = sources.sources()
    assert [s.n for s in listed] == [1, 2]
    assert listed[0].spans == [(0, 10), (12, 20)] and listed[1].spans == []
    assert listed[0].chunk_id == a.id and listed[0].passage == a.text
    assert listed[0].file == a.path and listed[0].title == a.metadata.title


def test_numbering_can_start_after_another_list(chunks):
    sources = SourceList(first=4)
    assert sources.cite(chunks[2], (1, 5)) == 4
    assert len(sources) == 1


def test_merge_renumbers_another_list_and_keeps_its_spans(chunks):
    card = SourceList()
    card.cite(chunks[1], (3, 9))
    card.cite(chunks[2], (0, 4))
    card.cite(chunks[2], (5, 8))
    brief = SourceList()
    brief.cite(chunks[0], (0, 2))
    brief.cite(chunks[2], (0, 4))
    assert brief.merge(card.sources()) == {1: 3, 2: 2}
    merged = {s.n: s for s in brief.sources()}
    assert merged[3].chunk_id == chunks[1].id and merged[3].spans == [(3, 9)]
    assert merged[2].spans == [(0, 4), (5, 8)]


def test_sources_are_copies(chunks):
    sources = SourceList()
    sources.cite(chunks[0], (0, 1))
    sources.sources()[0].spans.append((9, 9))
    assert sources.sources()[0].spans == [(0, 1)]
