"""The LLM client against a real loopback OpenAI-compatible server: answers, failures, deadlines."""

from __future__ import annotations

import time

import pytest

from app.llm import LLMError, llm_configured, stream_chat
from ingest.settings import Settings
from tests.fake_openai import FakeOpenAI

KEY = "sk-test-0123456789abcdef"
MESSAGES = [
    {"role": "system", "content": "Answer from the numbered passages only."},
    {"role": "user", "content": "[1] Kalasin built a collaborative network.\n\nWhy did it work?"},
]


def llm_settings(url: str, *, key: str = "", timeout_s: float = 5.0) -> Settings:
    return Settings(llm_url=url, llm_model="fake", llm_api_key=key, llm_timeout_s=timeout_s)


def test_streamed_pieces_join_to_the_reply():
    reply = "Kalasin succeeded through a collaborative network [1]."
    with FakeOpenAI(reply) as server:
        pieces = list(stream_chat(llm_settings(server.url), MESSAGES))
    assert len(pieces) == len(reply.split())  # streamed word by word, not in one lump
    assert "".join(pieces) == reply


def test_reply_built_from_the_prompt_streams_in_fixed_pieces():
    def cite_first_passage(messages: list[dict]) -> str:
        passage = messages[-1]["content"].splitlines()[0]
        return f"{passage.removeprefix('[1] ')} [1]"

    with FakeOpenAI(cite_first_passage, stream_pieces=3) as server:
        pieces = list(stream_chat(llm_settings(server.url), MESSAGES))
    assert len(pieces) == 3
    assert "".join(pieces) == "Kalasin built a collaborative network. [1]"


def test_server_that_ignores_stream_answers_in_one_json_body():
    with FakeOpenAI("One whole answer.", force_json=True) as server:
        pieces = list(stream_chat(llm_settings(server.url + "/"), MESSAGES))
    assert pieces == ["One whole answer."]


def test_request_carries_model_messages_and_stream():
    with FakeOpenAI("ok") as server:
        list(stream_chat(llm_settings(server.url), MESSAGES))
    [body] = server.requests
    assert body["model"] == "fake"
    assert body["messages"] == MESSAGES
    assert body["stream"] is True
    assert body["temperature"] == 0


def test_no_authorization_header_without_a_key():
    with FakeOpenAI("ok") as server:
        list(stream_chat(llm_settings(server.url), MESSAGES))
    assert not any(name.lower() == "authorization" for name in server.headers[0])


def test_bearer_key_is_sent_when_configured():
    with FakeOpenAI("authorised", require_key=KEY) as server:
        text = "".join(stream_chat(llm_settings(server.url, key=KEY), MESSAGES))
    assert text == "authorised"
    assert server.headers[0]["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("key", ["", "sk-wrong-key-999"])
def test_missing_or_wrong_key_is_an_llm_error(key):
    with FakeOpenAI("secret", require_key=KEY) as server, pytest.raises(LLMError) as caught:
        list(stream_chat(llm_settings(server.url, key=key), MESSAGES))
    message = str(caught.value)
    assert "401" in message and "Incorrect API key" in message
    assert "\n" not in message
    if key:
        assert key not in message


def test_server_error_status_is_an_llm_error():
    with FakeOpenAI("never sent", status=500) as server, pytest.raises(LLMError, match="500"):
        list(stream_chat(llm_settings(server.url), MESSAGES))


def test_wrong_path_is_an_llm_error():
    with FakeOpenAI("never sent") as server, pytest.raises(LLMError, match="404"):
        list(stream_chat(llm_settings(server.url.removesuffix("/v1")), MESSAGES))


def test_malformed_stream_is_an_llm_error_even_after_good_pieces():
    received: list[str] = []
    with (
        FakeOpenAI("first second third", malformed=True) as server,
        pytest.raises(LLMError, match="malformed"),
    ):
        for piece in stream_chat(llm_settings(server.url), MESSAGES):
            received.append(piece)
    assert received == ["first "]


def test_silent_server_times_out_within_the_deadline():
    started = time.monotonic()
    with FakeOpenAI("too late", delay_s=3.0) as server, pytest.raises(LLMError) as caught:
        list(stream_chat(llm_settings(server.url, timeout_s=0.5), MESSAGES))
    elapsed = time.monotonic() - started  # includes shutting the server down mid-sleep
    assert str(caught.value) == "LLM timed out after 0.5 s"
    assert elapsed < 2.5


def test_trickling_stream_is_cut_at_the_total_deadline():
    # Every piece arrives well inside the per-read timeout; only the total deadline stops it.
    reply = " ".join(f"w{i}" for i in range(30))
    received: list[str] = []
    started = time.monotonic()
    with (
        FakeOpenAI(reply, piece_delay_s=0.2) as server,
        pytest.raises(LLMError, match=r"^LLM timed out after 1 s$"),
    ):
        for piece in stream_chat(llm_settings(server.url, timeout_s=1.0), MESSAGES):
            received.append(piece)
    elapsed = time.monotonic() - started
    assert 0 < len(received) < 30
    assert elapsed < 2.5


def test_closed_port_is_an_llm_error():
    with FakeOpenAI("gone") as server:
        url = server.url
    with pytest.raises(LLMError, match="cannot connect"):
        list(stream_chat(llm_settings(url, timeout_s=2.0), MESSAGES))


@pytest.mark.parametrize("force_json", [False, True])
def test_empty_reply_is_an_llm_error(force_json):
    with (
        FakeOpenAI("", force_json=force_json) as server,
        pytest.raises(LLMError, match="LLM returned an empty answer"),
    ):
        list(stream_chat(llm_settings(server.url), MESSAGES))


@pytest.mark.parametrize(
    "options",
    [
        {"status": 500},
        {"status": 401},
        {"malformed": True},
        {"delay_s": 3.0},
        {"require_key": "sk-another-key"},
    ],
)
def test_api_key_never_appears_in_the_error(options):
    with FakeOpenAI("text", **options) as server, pytest.raises(LLMError) as caught:
        list(stream_chat(llm_settings(server.url, key=KEY, timeout_s=0.5), MESSAGES))
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value)


def test_unconfigured_llm_is_reported_not_called():
    assert not llm_configured(Settings(llm_url="", llm_model="fake"))
    assert not llm_configured(Settings(llm_url="http://127.0.0.1:9/v1", llm_model=""))
    assert llm_configured(Settings(llm_url="http://127.0.0.1:9/v1", llm_model="fake"))
    with pytest.raises(LLMError, match="not configured"):
        list(stream_chat(Settings(llm_url="", llm_model=""), MESSAGES))
