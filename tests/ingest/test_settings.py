"""The one settings object: grouped fields, one flat name and one variable per fact."""

import pytest
from pydantic import ValidationError

from ingest.settings import GROUPS, Settings, flat_names


def test_every_flat_name_is_unique_and_clashes_with_no_top_level_field() -> None:
    names = [f"{g}_{f}" for g, cls in GROUPS.items() for f in cls.model_fields]
    assert len(names) == len(set(names)) == len(flat_names())
    assert not set(names) & set(Settings.model_fields)


def test_every_field_says_what_it_is_for() -> None:
    undescribed = [
        f"{g}.{f}"
        for g, cls in {**GROUPS, "": Settings}.items()
        for f, info in cls.model_fields.items()
        if f not in GROUPS and not info.description
    ]
    assert undescribed == []


def test_environment_reaches_the_group_and_a_keyword_beats_it(monkeypatch) -> None:
    monkeypatch.setenv("GOVQA_RETRIEVAL_TOP_K", "9")
    monkeypatch.setenv("GOVQA_SERVE_PORT", "8123")
    settings = Settings(serve_port=5000)
    assert settings.retrieval.top_k == 9
    assert settings.serve.port == 5000


def test_flat_and_grouped_keywords_mean_the_same() -> None:
    assert Settings(llm_url="http://x/v1").llm.url == "http://x/v1"
    assert Settings(llm={"url": "http://x/v1"}).llm.url == "http://x/v1"


def test_replace_changes_only_what_it_names(tmp_path) -> None:
    base = Settings(index_dir=tmp_path, embed_backend="torch")
    copy = base.replace(retrieval_top_k=2, serve_port=7001)
    assert (copy.retrieval.top_k, copy.serve.port) == (2, 7001)
    assert copy.index_dir == tmp_path and copy.embed.backend == "torch"
    assert base.retrieval.top_k == Settings().retrieval.top_k  # the original is untouched


def test_unknown_and_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(top_k_typo=3)
    with pytest.raises(ValidationError):
        Settings(embed_backend="gpu")


def test_each_backend_has_its_own_collection() -> None:
    assert Settings(embed_backend="torch").vector_collection == "govqa"
    assert Settings(embed_backend="onnx-int8").vector_collection == "govqa-onnx-int8"
