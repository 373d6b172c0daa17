"""BM25 over committed chunks: English stemmed, Thai segmented into words with pythainlp.

Tokenising every chunk is most of a cold start on a real corpus (Thai segmentation first
builds pythainlp's dictionary trie, seconds on its own), so the index is saved beside the
catalog once built (`lexical_index`), under a key of the chunk ids it was built from (each
id is a hash of its text) and the tokenizer's version, and the next process loads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from ingest.text import is_latin, tokenize

# Bump when `tokenize` or what is saved changes: a saved index of another version is rebuilt.
LEXICAL_FORMAT = 1
_IDS_FILE = "chunk_ids.json"


class LexicalIndex:
    """A bm25s index over chunk texts, addressed by chunk id, and which chunks are not in
    Latin script (retrieval reads both for every question; both come from the text alone)."""

    def __init__(self, ids: list[str], bm25, df: Counter[str], non_latin: set[str]) -> None:
        """Use `build` or `load`; `df` is in how many chunks each term occurs."""
        self.ids = ids
        self._row = {chunk_id: n for n, chunk_id in enumerate(ids)}
        self._bm25 = bm25
        self._df = df
        self.non_latin = non_latin

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["\x00"] for t in texts]
        # in how many chunks each term occurs: how specific a question's word is
        df = Counter(term for terms in corpus for term in set(terms))
        if ids:
            bm25.index(corpus, show_progress=False)
        non_latin = {i for i, t in zip(ids, texts, strict=True) if not is_latin(t)}
        return cls(ids, bm25, df, non_latin)

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (bm25s's own files, plus the chunk ids, the
        document frequencies and the chunks not in Latin script)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self._bm25.save(str(folder), show_progress=False)
        (folder / _IDS_FILE).write_text(
            json.dumps({"ids": self.ids, "df": self._df, "non_latin": sorted(self.non_latin)}),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The index `save` wrote (raises OSError or ValueError if it is not whole)."""
        import bm25s

        saved = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
        bm25 = bm25s.BM25()
        if saved["ids"]:
            # memory-mapped: processes reading one index share its pages
            bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
        return cls(saved["ids"], bm25, Counter(saved["df"]), set(saved["non_latin"]))

    def unseen(self, terms: list[str]) -> set[str]:
        """The terms no chunk holds."""
        return {t for t in terms if t not in self._df}

    def idf(self, terms: list[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each term (an unseen term the rarest)."""
        n = len(self.ids)
        return {
            t: math.log(1.0 + (n - self._df.get(t, 0) + 0.5) / (self._df.get(t, 0) + 0.5))
            for t in terms
        }

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        terms = tokenize(query)
        if not self.ids or not terms:
            return []
        vocab = self._bm25.vocab_dict
        terms = [t for t in terms if t in vocab]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        if allowed is not None:
            # marked from the allowed ids, not tested per chunk: a case's scope is a few
            # dozen of 15k chunks
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._row[i] for i in allowed if i in self._row]] = True
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


def lexical_key(ids: list[str]) -> str:
    """What a saved index must have been built from: these chunks, this tokenizer."""
    digest = hashlib.sha256(f"lexical {LEXICAL_FORMAT}\n".encode())
    for chunk_id in ids:
        digest.update(chunk_id.encode() + b"\n")
    return digest.hexdigest()[:32]


def lexical_index(
    ids: list[str], texts: list[str], folder: Path, save: bool = True
) -> LexicalIndex:
    """The BM25 index of these chunks: loaded from `folder` if saved there for exactly
    them, else built and (with `save`, and `folder` writable) saved for the next process.

    A save is written to a temporary folder and renamed into place, so a reader never sees
    half of one; indexes of other chunk sets are then removed. A saved index that cannot
    be read is rebuilt: it is only ever a copy of what the catalog holds.
    """
    key = lexical_key(ids)
    saved = folder / key
    if saved.is_dir():
        with contextlib.suppress(OSError, ValueError, KeyError):
            index = LexicalIndex.load(saved)
            if index.ids == ids:
                return index
    index = LexicalIndex.build(ids, texts)
    if save:
        shutil.rmtree(saved, ignore_errors=True)  # a damaged one, if any
        with contextlib.suppress(OSError):
            _save_in_place(index, folder, key)
    return index


def _save_in_place(index: LexicalIndex, folder: Path, key: str) -> None:
    """Save under `folder/key` atomically, then drop the folder's other indexes."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=folder))
    try:
        index.save(partial)
        os.rename(partial, folder / key)  # fails if another process saved it first
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not (folder / key).is_dir():
            raise
    for other in folder.iterdir():
        if other.name != key and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)
