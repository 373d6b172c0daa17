"""Talk to any OpenAI-compatible chat-completions server and stream its answer as text."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import httpx

from ingest.settings import Settings
from ingest.text import normalize_space

# Error bodies can be whole HTML pages; one line of a readable length is enough to act on.
_MAX_DETAIL_CHARS = 200


class LLMError(Exception):
    """Any failure talking to the LLM, worded as one line a person can act on.

    Callers catch this one type and fall back to the extractive answer, so every transport,
    protocol and content failure is converted to it; the message never carries the API key.
    """


AnswererKind = Literal["local", "remote", "extractive"]


def answerer_kind(settings: Settings) -> AnswererKind:
    """Which answerer writes: a local GGUF when one is set (it takes precedence, so one
    flag goes offline whatever GOVQA_LLM_URL says), else a server with both a URL and a
    model name, else the extractive answerer alone."""
    if settings.llm.local_model.strip():
        return "local"
    return "remote" if _server_configured(settings) else "extractive"


def _server_configured(settings: Settings) -> bool:
    """A server is usable with both an address and a model name to send it."""
    return bool(settings.llm.url.strip() and settings.llm.model.strip())


def llm_configured(settings: Settings) -> bool:
    """Whether a language model answerer, local or remote, can be tried at all."""
    return answerer_kind(settings) != "extractive"


class _Deadline:
    """One time budget for the whole exchange, because httpx's timeouts are per operation:
    a server that trickles a byte every few seconds would otherwise never time out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise self.error()

    def error(self) -> LLMError:
        return LLMError(f"LLM timed out after {self.seconds:g} s")


def one_line(text: str, secret: str = "") -> str:
    """Squash to one short line and blank out the key, in case a server echoes it back."""
    line = normalize_space(text)
    if secret:
        line = line.replace(secret, "***")
    if len(line) > _MAX_DETAIL_CHARS:
        line = line[: _MAX_DETAIL_CHARS - 1] + "…"
    return line


def _endpoint(settings: Settings) -> str:
    return f"{settings.llm.url.strip().rstrip('/')}/chat/completions"


def _status_error(response: httpx.Response, secret: str) -> LLMError:
    """Name the status and the server's own reason (OpenAI puts it in error.message)."""
    raw = response.read()
    detail = ""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
        detail = raw.decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        detail = str(error.get("message") or "")
    elif error:
        detail = str(error)
    reason = f": {detail}" if detail else f" {response.reason_phrase}".rstrip()
    return LLMError(one_line(f"LLM server answered HTTP {response.status_code}{reason}", secret))


def chunk_text(chunk: Any, secret: str) -> str:
    """The text of one streamed chunk; chunks without choices (usage reports) carry none."""
    if not isinstance(chunk, dict):
        raise LLMError("LLM sent a malformed stream chunk (not a JSON object)")
    error = chunk.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise LLMError(one_line(f"LLM reported an error mid-stream: {message}", secret))
    choices = chunk.get("choices")
    if not choices:
        return ""
    try:
        content = choices[0]["delta"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LLMError("LLM sent a malformed stream chunk (no choices[0].delta)") from None
    if content is not None and not isinstance(content, str):
        raise LLMError("LLM sent a malformed stream chunk (delta.content is not text)")
    return content or ""


def _message_text(body: Any) -> str:
    """The answer of a non-streaming completion, for servers that ignore ``stream``."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMError("LLM sent a malformed completion (no choices[0].message.content)") from None
    if content is not None and not isinstance(content, str):
        raise LLMError("LLM sent a malformed completion (message.content is not text)")
    return content or ""


def _sse_data(lines: Iterable[str], deadline: _Deadline) -> Iterator[str]:
    """The data payload of each server-sent event, ending at ``[DONE]``.

    Follows the SSE rules rather than assuming one ``data:`` line per event: an event's data
    lines are joined with newlines and dispatched at the blank line; comments and other fields
    (``event:``, ``id:``, ``retry:``) are skipped.
    """
    data: list[str] = []
    for line in lines:
        deadline.check()
        if not line:
            if data:
                payload = "\n".join(data)
                data = []
                if payload.strip() == "[DONE]":
                    return
                yield payload
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data and "\n".join(data).strip() != "[DONE]":
        yield "\n".join(data)


def _stream_pieces(response: httpx.Response, deadline: _Deadline, secret: str) -> Iterator[str]:
    for payload in _sse_data(response.iter_lines(), deadline):
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise LLMError("LLM sent a malformed stream chunk (invalid JSON)") from None
        piece = chunk_text(chunk, secret)
        if piece:
            yield piece


def stream_chat(settings: Settings, messages: list[dict[str, str]]) -> Iterator[str]:
    """Send ``messages`` to the configured server and yield the answer as it arrives.

    Streaming lets the UI show text at once; a server that ignores ``stream`` and answers
    with one JSON completion is accepted too. ``settings.llm.timeout_s`` bounds each network
    operation and also the whole exchange, so a slow trickle cannot hold a chat forever.
    Raises ``LLMError`` for every failure, including an answer with no text in it.
    """
    if not _server_configured(settings):
        raise LLMError("LLM is not configured: set llm_url and llm_model")
    secret = settings.llm.api_key
    headers = {"Accept": "text/event-stream, application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    body = {
        "model": settings.llm.model,
        "messages": messages,
        "stream": True,
        "temperature": settings.llm.temperature,
    }
    timeout = httpx.Timeout(settings.llm.timeout_s)
    deadline = _Deadline(settings.llm.timeout_s)
    answered = False
    try:
        with (
            httpx.Client(timeout=timeout) as client,
            client.stream("POST", _endpoint(settings), json=body, headers=headers) as response,
        ):
            if response.status_code >= 400:
                raise _status_error(response, secret)
            content_type = response.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() == "application/json":
                try:
                    completion = json.loads(response.read())
                except ValueError:
                    raise LLMError("LLM sent a malformed completion (invalid JSON)") from None
                deadline.check()
                text = _message_text(completion)
                if text:
                    answered = True
                    yield text
            else:
                for piece in _stream_pieces(response, deadline, secret):
                    answered = True
                    yield piece
                    deadline.check()
    except httpx.TimeoutException as exc:
        raise deadline.error() from exc
    except httpx.ConnectError as exc:
        raise LLMError(
            one_line(f"cannot connect to the LLM at {_safe_url(settings)}: {exc}", secret)
        ) from exc
    except (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL) as exc:
        raise LLMError(
            one_line(f"LLM request failed ({type(exc).__name__}): {exc}", secret)
        ) from exc
    if not answered:
        raise LLMError("LLM returned an empty answer")


def _safe_url(settings: Settings) -> str:
    """The server address without any user:password part, fit for an error message."""
    try:
        return str(httpx.URL(settings.llm.url.strip()).copy_with(userinfo=b""))
    except (httpx.InvalidURL, TypeError, ValueError):
        return "the configured URL"
