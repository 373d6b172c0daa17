"""The packaged MiniLM through each backend: the same vectors, in input order."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embed import Embedder
from ingest.settings import Settings

# English governance prose, the model's language; a Thai sentence (mostly word pieces
# MiniLM barely knows) agrees less across backends (cosine 0.976, measured) and is kept
# for the order test only.
SENTENCES = [
    "Volunteers visited elderly residents every week.",
    "The municipality signed an agreement with the provincial hospital.",
    "Residents voted on how to spend part of the city budget.",
]
THAI = "ผู้สูงอายุได้รับการดูแลจากอาสาสมัครในชุมชน"


def _embedder(backend: str) -> Embedder:
    return Embedder.from_settings(Settings(embed_backend=backend, embed_batch_size=2))


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return _embedder("torch").embed(SENTENCES)


def test_the_default_backend_is_the_settings_one() -> None:
    assert _embedder(Settings().embed.backend).backend == Settings().embed.backend
    with pytest.raises(TypeError):
        Embedder()  # type: ignore[call-arg]  # no second default to drift from Settings


def test_int8_onnx_agrees_with_torch(torch_vectors: np.ndarray) -> None:
    int8 = _embedder("onnx-int8").embed(SENTENCES)
    cosines = np.sum(int8 * torch_vectors, axis=1)
    assert cosines.min() > 0.98, cosines
    # and still tells the sentences apart: each is closest to itself
    assert list(np.argmax(int8 @ torch_vectors.T, axis=1)) == list(range(len(SENTENCES)))


def test_vectors_are_unit_length_and_as_wide_as_the_model_says(torch_vectors) -> None:
    embedder = _embedder("onnx-int8")
    assert torch_vectors.shape == (len(SENTENCES), embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(torch_vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_batches_keep_input_order(backend: str) -> None:
    """Texts are batched by length inside; rows must still come back in input order. The
    same texts make the same batches in any order, so a permutation in must be the same
    permutation out, to the bit (int8's dynamic quantisation depends on the batch)."""
    embedder = _embedder(backend)
    texts = [*SENTENCES, THAI]
    order = [3, 0, 2, 1]
    np.testing.assert_allclose(
        embedder.embed([texts[i] for i in order]), embedder.embed(texts)[order], atol=1e-6
    )


def test_a_batch_gives_each_text_its_own_vector() -> None:
    embedder = _embedder("torch")
    one_by_one = np.stack([embedder.embed([s])[0] for s in SENTENCES])
    np.testing.assert_allclose(embedder.embed(SENTENCES), one_by_one, atol=1e-4)


@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_empty_input_gives_an_empty_matrix_of_the_right_width(backend: str) -> None:
    embedder = _embedder(backend)
    empty = embedder.embed([])
    assert empty.shape == (0, embedder.dim) and empty.dtype == np.float32
    assert embedder.dim == embedder.embed(["One sentence."]).shape[1]


def test_the_memo_returns_what_embed_returns() -> None:
    embedder = _embedder("onnx-int8")
    first = embedder.embed_memo(SENTENCES[:2] + SENTENCES[:1])
    np.testing.assert_allclose(first[2], first[0])
    np.testing.assert_allclose(embedder.embed_memo(SENTENCES[1:2])[0], first[1], atol=1e-6)
    np.testing.assert_allclose(first[:2], embedder.embed(SENTENCES[:2]), atol=1e-6)


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="embed backend"):
        Embedder(
            backend="gpu", configured_path="", batch_size=2, cache_dir=Settings().embed.cache_dir
        )
