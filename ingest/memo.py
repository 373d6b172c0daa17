"""A bounded memo of text vectors, shared by the embedders for query-time text."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


class VectorMemo:
    """Least-recently-used vectors by text: the sentences of passages that many questions
    retrieve come back query after query, and embedding them is an answer's main cost."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many texts are remembered."""
        return len(self._vectors)

    def embed(self, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors of `texts`, calling `embed` only for those not remembered."""
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = embed(todo)
        with self._lock:
            self._vectors.update(zip(todo, fresh, strict=True))
            out = np.stack([self._vectors[t] for t in texts]) if texts else fresh
            for text in texts:
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return out
