"""A real loopback HTTP server speaking OpenAI chat completions, for testing the LLM client."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Reply = Callable[[list[dict]], str] | str

_PATH = "/v1/chat/completions"


def split_pieces(text: str, pieces: int) -> list[str]:
    """Cut ``text`` the way a model streams it: word by word (``pieces=0``) or into
    ``pieces`` nearly equal parts, so tests can check the client re-joins them exactly."""
    if not text:
        return []
    if pieces <= 0:
        return re.findall(r"\s*\S+\s*|\s+", text)
    size = -(-len(text) // pieces)
    return [text[i : i + size] for i in range(0, len(text), size)]


class FakeOpenAI:
    """An OpenAI-compatible ``/v1/chat/completions`` endpoint on 127.0.0.1, port chosen by the OS.

    Used as a context manager: entering starts the server thread, leaving stops it promptly
    even while a request is sleeping in ``delay_s``.

    reply: fixed answer text, or a function of the request's messages returning it.
    stream_pieces: 0 streams word by word; N streams N nearly equal parts.
    delay_s: sleep before the first byte (to test the client's timeouts).
    piece_delay_s: sleep between streamed pieces (to test the client's total deadline).
    status: answer with this HTTP status and an OpenAI-style JSON error body instead.
    malformed: stream one good piece, then a chunk that is not JSON.
    require_key: answer 401 unless ``Authorization: Bearer <require_key>`` is sent; the
        401 message echoes the header it got.
    force_json: answer with one JSON completion even when the request asks to stream.
    """

    def __init__(
        self,
        reply: Reply = "",
        *,
        stream_pieces: int = 0,
        delay_s: float = 0.0,
        piece_delay_s: float = 0.0,
        status: int = 200,
        malformed: bool = False,
        require_key: str = "",
        force_json: bool = False,
    ) -> None:
        self.reply = reply
        self.stream_pieces = stream_pieces
        self.delay_s = delay_s
        self.piece_delay_s = piece_delay_s
        self.status = status
        self.malformed = malformed
        self.require_key = require_key
        self.force_json = force_json
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeOpenAI:
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Handler threads may still be writing to a client that gave up; never wait for them.
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()  # wakes any handler sleeping in delay_s
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True means stop now."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return self._stopping.is_set()

    def record(self, body: dict, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)

    def reply_text(self, messages: list[dict]) -> str:
        return self.reply(messages) if callable(self.reply) else self.reply


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            self._send_json(404, _error_body(404, f"no route {self.path}"))

        def do_POST(self) -> None:
            # The client may give up first (its deadline passed); there is no one left to tell.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._serve_post()

        def _serve_post(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.rstrip("/") != _PATH:
                self._send_json(404, _error_body(404, f"no route {self.path}"))
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send_json(400, _error_body(400, "request body is not JSON"))
                return
            fake.record(body, dict(self.headers.items()))
            if fake.sleep(fake.delay_s):
                return
            sent = self.headers.get("Authorization", "")
            if fake.require_key and sent != f"Bearer {fake.require_key}":
                # Echo what was sent, as careless servers do, so tests see the client redact it.
                self._send_json(401, _error_body(401, f"Incorrect API key provided: {sent}"))
                return
            if fake.status != 200:
                self._send_json(fake.status, _error_body(fake.status, "fake server error"))
                return
            text = fake.reply_text(body.get("messages", []))
            model = body.get("model", "")
            if body.get("stream") and not fake.force_json:
                self._stream(text, model)
            else:
                self._send_json(200, _completion(text, model))

        def _send_json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def _stream(self, text: str, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            # OpenAI opens with an empty role-only delta and closes with an empty finish delta.
            self._event(json.dumps(_chunk(model, {"role": "assistant", "content": ""})))
            pieces = split_pieces(text, fake.stream_pieces)
            for i, piece in enumerate(pieces):
                if i and fake.sleep(fake.piece_delay_s):
                    return
                self._event(json.dumps(_chunk(model, {"content": piece})))
                if fake.malformed:
                    self._event('{"choices": [{"delta": {"content": "broken')
                    break
            self._event(json.dumps(_chunk(model, {}, finish_reason="stop")))
            self._event("[DONE]")
            self._write_chunk(b"")

        def _event(self, data: str) -> None:
            self._write_chunk(f"data: {data}\n\n".encode())

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


def _error_body(status: int, message: str) -> dict:
    return {"error": {"message": message, "type": "fake_error", "code": status}}


def _chunk(model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _completion(text: str, model: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }
