"""MiniLM vectors of each passage's sentences, computed at ingest and kept in the catalog's
file, so an answer ranks its evidence's sentences without running the model.

Why: embedding the 32 shortlisted sentences was most of an answer's time on real text
(~115 of ~166 ms per question, 15k real chunks, `make bench`). The vectors are pooled from
the passage's own token states in the pass that embeds the passage ("late chunking":
`Embedder.embed_in_context`), so they cost ingest no model time. Each sentence is read in
its passage; on the real tuning half that raised key-point coverage from 0.278 to 0.315
against sentences embedded alone, recall unchanged (`govqa eval`, README Performance).

Rows are keyed by chunk id, a content hash: a row is right for as long as its chunk exists
anywhere, written before the catalog's commit like the vector store's rows, and a passage
without one (an index built before this table, a sentence past MiniLM's window) is
embedded at question time as before. Vectors are float16: half the space, and cosines
agree with float32 to ~1e-3, far below the gaps that rank sentences.

`SentenceVectorRecords` is a mixin of `Catalog`, as `ingest.derived.DerivedRecords` is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

import numpy as np

SENTENCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    chunk_id TEXT PRIMARY KEY,
    spans BLOB NOT NULL,
    vectors BLOB NOT NULL
);
"""

Spans = list[tuple[int, int]]
# per chunk: (start, end) of a sentence in the chunk's text -> its unit vector
SentenceVectors = dict[tuple[int, int], np.ndarray]
_MAX_VARIABLES = 900  # ids per IN (...) query: below SQLite's oldest limit of 999


class SentenceVectorRecords:
    """chunk id -> its sentences' spans and vectors, in the catalog's file."""

    # provided by the catalog (ingest.catalog.Catalog)
    _transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _rows: Callable[..., list[tuple]]

    def put_sentence_vectors(self, items: dict[str, tuple[Spans, np.ndarray]]) -> None:
        """Store each chunk's sentence spans and their vectors (a row of NaN, a span the
        model did not see, is left out) in one transaction. A chunk with none left still
        gets its (empty) row: it has been read, and `unread_chunks` must not name it."""
        rows = []
        for chunk_id, (spans, vectors) in items.items():
            keep = [n for n in range(len(spans)) if np.isfinite(vectors[n]).all()]
            kept_spans = np.asarray([spans[n] for n in keep], dtype=np.int32)
            kept = np.asarray(vectors[keep] if keep else [], dtype=np.float16)
            rows.append((chunk_id, kept_spans.tobytes(), kept.tobytes()))
        if not rows:
            return
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO sentence_vectors VALUES (?, ?, ?)", rows)

    def sentence_vectors(self, chunk_ids: Iterable[str]) -> dict[str, SentenceVectors]:
        """The stored sentence vectors (float32) of these chunks; chunks without any, and
        every chunk of an index that has no such table (built before it; read-only), are
        left out."""
        ids = list(dict.fromkeys(chunk_ids))
        found: dict[str, SentenceVectors] = {}
        for start in range(0, len(ids), _MAX_VARIABLES):
            part = ids[start : start + _MAX_VARIABLES]
            marks = ",".join("?" * len(part))
            sql = (
                f"SELECT chunk_id, spans, vectors FROM sentence_vectors WHERE chunk_id IN ({marks})"
            )
            try:
                rows = self._rows(sql, part)
            except sqlite3.OperationalError:  # no such table: an index older than it
                return {}
            for chunk_id, spans, vectors in rows:
                pairs = np.frombuffer(spans, dtype=np.int32).reshape(-1, 2)
                if not len(pairs):  # read, none kept (torch pools no spans): embed them now
                    found[chunk_id] = {}
                    continue
                matrix = np.frombuffer(vectors, dtype=np.float16).reshape(len(pairs), -1)
                found[chunk_id] = {
                    (int(a), int(b)): row.astype(np.float32)
                    for (a, b), row in zip(pairs, matrix, strict=True)
                }
        return found

    def unread_chunks(self, chunk_ids: set[str]) -> set[str]:
        """Those of `chunk_ids` with no row at all (committed before this table existed)."""
        try:
            rows = self._rows("SELECT chunk_id FROM sentence_vectors")
        except sqlite3.OperationalError:
            return set(chunk_ids)
        return chunk_ids - {row[0] for row in rows}

    def drop_sentence_vectors(self, chunk_ids: Iterable[str]) -> None:
        ids = list(chunk_ids)
        if not ids:
            return
        with self._transaction() as db:
            db.executemany("DELETE FROM sentence_vectors WHERE chunk_id=?", [(i,) for i in ids])
