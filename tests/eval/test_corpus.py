"""An evaluation of a user's own corpus gets its own index (and its own collection on a
shared Chroma server), so the chat's index is left alone."""

from __future__ import annotations

from pathlib import Path

from eval.corpus import eval_settings
from ingest.settings import Settings


def test_own_corpus_gets_its_own_index_and_collection(tmp_path):
    corpus = tmp_path / "my articles"
    corpus.mkdir()
    base = Settings(index_dir=tmp_path / "chat-index")
    assert eval_settings(base, None, index_dir_given=False) == base
    assert eval_settings(base, corpus, index_dir_given=True) == base
    own = eval_settings(base, corpus, index_dir_given=False)
    assert own.index_dir == Path(".govqa-eval") / "my-articles"
    assert own.collection == base.collection  # the embedded store lives in the index dir
    shared = eval_settings(base.replace(chroma_url="http://127.0.0.1:9"), corpus, False)
    assert shared.collection == f"{base.collection}-eval-my-articles"
