"""The optional LLM answerer against a real loopback server speaking the OpenAI protocol:
its sentences are checked against the passages they cite, and failures fall back."""

from __future__ import annotations

import re

import pytest

from app.engine import Engine
from tests.fake_openai import FakeOpenAI

QUESTION = "What made Kalasin's network succeed?"
_PASSAGE = re.compile(r"\[(\d+)\] [^\n]*\n<passage>\n(.*?)\n</passage>", re.S)


def passages(messages: list[dict]) -> dict[int, str]:
    return {int(n): text for n, text in _PASSAGE.findall(messages[-1]["content"])}


def kalasin_sentence(messages: list[dict]) -> tuple[int, str]:
    """The passage number holding Kalasin's finding, and that sentence."""
    for n, text in passages(messages).items():
        match = re.search(r"The factors that lead to success[^.]*\.", text)
        if match:
            return n, match.group(0)
    raise AssertionError("the prompt lacks the Kalasin passage")


@pytest.fixture
def llm_engine(corpus_settings):
    def make(server: FakeOpenAI, timeout: float = 10.0) -> Engine:
        settings = corpus_settings.replace(
            llm_url=server.url, llm_model="fake-model", llm_timeout_s=timeout
        )
        return Engine(settings)

    return make


def test_prompt_holds_only_the_numbered_passages_and_the_answer_is_checked(llm_engine):
    def reply(messages):
        n, sentence = kalasin_sentence(messages)
        return f"Success came from collaboration: {sentence[0].lower()}{sentence[1:]} [{n}]"

    with FakeOpenAI(reply) as server:
        engine = llm_engine(server)
        updates = list(engine.stream(QUESTION))
    answer = updates[-1].answer
    assert answer.mode == "llm"
    assert len(updates) > 3 and all(u.answer is None for u in updates[:-1])  # streamed
    request = server.requests[0]
    assert request["model"] == "fake-model" and request["stream"] is True
    system, user = request["messages"]
    assert "ONLY the numbered passages" in system["content"]
    numbered = passages(request["messages"])
    assert list(numbered) == list(range(1, len(numbered) + 1))
    assert user["content"].endswith(f"Question: {QUESTION}")
    assert len(answer.sentences) == 1
    sentence = answer.sentences[0]
    assert sentence.supported and sentence.support >= 0.5
    assert answer.sources[sentence.source - 1].file.endswith("kalasin-raw.txt")


def test_uncited_and_wrongly_cited_sentences_are_caught(llm_engine):
    def reply(messages):
        n, sentence = kalasin_sentence(messages)
        wrong = next(k for k, text in passages(messages).items() if sentence not in text)
        return (
            f"{sentence} [{n}] "
            f"{sentence} [{wrong}] "
            "The municipality doubled its elderly-care budget in 2015. "
            f"The network was funded by a World Bank loan of 40 million dollars [{n}]."
        )

    with FakeOpenAI(reply) as server:
        answer = llm_engine(server).ask(QUESTION)
    ok, wrong, uncited, made_up = answer.sentences
    assert ok.supported and ok.support == 1.0
    assert not wrong.supported  # right words, wrong passage
    assert not uncited.supported and uncited.source == 0
    assert not made_up.supported  # cites the right passage, which says nothing of a loan
    assert "not supported" in answer.notice
    assert answer.grounding < 0.6
    assert "[uncited]" in answer.text


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"status": 500}, "HTTP 500"), ({"delay_s": 5.0}, "timed out"), ({"malformed": True}, "")],
)
def test_llm_failure_falls_back_to_the_extractive_answer(llm_engine, options, reason):
    with FakeOpenAI("unused", **options) as server:
        answer = llm_engine(server, timeout=1.0).ask(QUESTION)
    assert answer.mode == "extractive" and not answer.abstained
    assert "language model failed" in answer.notice and reason in answer.notice
    assert "collaborative network" in answer.text


def test_llm_saying_not_in_the_sources_is_an_abstention(llm_engine):
    with FakeOpenAI("NOT IN THE SOURCES") as server:
        answer = llm_engine(server).ask(QUESTION)
    assert answer.abstained and answer.related


def test_no_llm_call_when_the_evidence_cannot_answer(llm_engine):
    with FakeOpenAI("Kalasin spent 5 million baht in 2019 [1].") as server:
        answer = llm_engine(server).ask("What was Kalasin's elderly-care budget in 2019?")
    assert answer.abstained and server.requests == []
