"""A GGUF language model run inside this process through xllamacpp, loaded once, in the
background, and streamed with the same contract as the remote server (app.llm.stream_chat).

Why in-process: a user gets written answers offline from one flag, with no server to run
beside the chat. Why in the background: a model takes seconds to minutes to load, and the
chat serves extractive answers meanwhile (`ModelLoading` tells the engine to). xllamacpp is
an optional extra (`pip install govqa[local]`), imported only when a model is loaded.

llama.cpp's server always listens somewhere: it is given a Unix socket in a private folder
that is deleted as soon as the model is loaded, so nothing else on the machine can reach it,
and no TCP port is opened. Requests go straight to its handlers, in this process.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.llm import LLMError, answerer_kind, chunk_text, one_line
from ingest.settings import LLMSettings, Settings

INSTALL_HINT = "pip install govqa[local]"
_GGUF_MAGIC = b"GGUF"
# llama.cpp keeps up to this many MiB of old prompts' KV state in RAM by default (8 GiB);
# one answer's passages are never asked about again, so the cache would only use memory
_PROMPT_CACHE_MIB = 0
_DONE = object()  # the worker's last item: the exchange has ended


class ModelLoading(LLMError):
    """The local model is still loading: the answer is the extractive one meanwhile."""


@dataclass(frozen=True)
class Speed:
    """llama.cpp's own timings of one answer (what the thread settings were chosen by)."""

    prompt_tokens: int
    prompt_per_s: float
    tokens: int
    tokens_per_s: float


def local_model_problem(path: str | Path) -> str:
    """Why the file at `path` cannot be a model, found without loading it ('' when it may
    load): a mistyped path should say so, not 'llama.cpp failed'."""
    file = Path(path).expanduser()
    if not file.exists():
        return f"{file}: no such file"
    if not file.is_file():
        return f"{file}: not a file"
    try:
        with file.open("rb") as handle:
            magic = handle.read(len(_GGUF_MAGIC))
    except OSError as exc:
        return f"{file}: cannot be read ({exc.strerror or exc})"
    if magic != _GGUF_MAGIC:
        return f"{file}: not a GGUF model file"
    return ""


def _xllamacpp() -> Any:
    """The optional package, or one line saying how to install it."""
    try:
        import xllamacpp
    except ImportError:
        raise LLMError(f"a local model needs the xllamacpp package: {INSTALL_HINT}") from None
    return xllamacpp


def local_model_unusable(settings: Settings) -> str:
    """Why the configured local model cannot run ('' when it may): the CLI refuses to start
    on this rather than serving a chat whose model will never load."""
    problem = local_model_problem(settings.llm.local_model)
    if not problem:
        try:
            _xllamacpp()
        except LLMError as exc:
            problem = str(exc)
    return problem


class LocalModel:
    """One GGUF file, loaded by a background thread as soon as this is made.

    `status()` is "loading", "ready" or "failed: <reason>"; `stream` answers once ready and
    raises `ModelLoading` before. Load parameters (threads, polling, context) are read once,
    at construction: llama.cpp fixes them when it loads.
    """

    def __init__(self, path: Path, llm: LLMSettings) -> None:
        self.path = path
        self._llm = llm
        self._server: Any = None
        self._failure = ""
        self._loaded = threading.Event()  # set when loading has ended, well or not
        self._lock = threading.Lock()
        self.requests = 0  # completions sent to the model (the tests count them)
        self.last_speed: Speed | None = None
        threading.Thread(target=self._load, name=f"govqa-load-{path.name}", daemon=True).start()

    def status(self) -> str:
        if not self._loaded.is_set():
            return "loading"
        return f"failed: {self._failure}" if self._failure else "ready"

    def wait(self, timeout: float | None = None) -> str:
        """Block until loading has ended (or `timeout` seconds), then the status."""
        self._loaded.wait(timeout)
        return self.status()

    def _load(self) -> None:
        try:
            self._server = self._start()
        except LLMError as exc:
            self._failure = str(exc)
        except Exception:  # xllamacpp says only "Failed to init server": name the causes
            self._failure = (
                f"llama.cpp could not load {self.path.name} (damaged or truncated, or a "
                "model architecture this xllamacpp does not know)"
            )
        finally:
            self._loaded.set()

    def _start(self) -> Any:
        problem = local_model_problem(self.path)
        if problem:
            raise LLMError(problem)
        xllamacpp = _xllamacpp()
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = self._llm.local_ctx
        params.n_parallel = 1  # one answer at a time: two would halve each one's cores
        for cpu in (params.cpuparams, params.cpuparams_batch):
            cpu.n_threads = self._llm.local_threads
            cpu.poll = self._llm.local_poll
        params.cache_ram_mib = _PROMPT_CACHE_MIB
        params.verbosity = -1  # its log would flood the chat's terminal; failures are ours
        with tempfile.TemporaryDirectory(prefix="govqa-model-") as private:
            params.hostnames = [str(Path(private) / "server.sock")]
            return xllamacpp.Server(params)

    def stream(self, messages: list[dict[str, str]], llm: LLMSettings) -> Iterator[str]:
        """The model's answer to `messages`, piece by piece as llama.cpp writes it.

        llama.cpp calls back from inside a blocking call, so a worker thread makes that call
        and hands each chunk over a queue; leaving the loop early (the deadline, or a caller
        that stops reading) makes the next callback tell llama.cpp to stop. Raises
        `LLMError` for every failure, `ModelLoading` while the model loads.
        """
        status = self.status()
        if status == "loading":
            raise ModelLoading(f"local model {self.path.name} is still loading")
        if self._failure:
            raise LLMError(f"local model failed to load: {self._failure}")
        request = {
            "messages": messages,
            "stream": True,
            "max_tokens": llm.local_max_tokens,
            "temperature": llm.temperature,
        }
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def receive(chunk: Any) -> bool:
            chunks.put(chunk)
            return stop.is_set()

        def ask() -> None:
            try:
                self._server.handle_chat_completions(request, receive)
            except Exception as exc:  # a request llama.cpp refuses raises here
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        with self._lock:
            self.requests += 1
        threading.Thread(target=ask, name="govqa-local-answer", daemon=True).start()
        deadline = time.monotonic() + llm.local_timeout_s
        answered = False
        try:
            while (item := self._next(chunks, deadline, llm.local_timeout_s)) is not _DONE:
                piece = self._piece(item)
                if piece:
                    answered = True
                    yield piece
        finally:
            stop.set()
        if not answered:
            raise LLMError("local model returned an empty answer")

    @staticmethod
    def _next(chunks: queue.Queue[Any], deadline: float, seconds: float) -> Any:
        try:
            return chunks.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise LLMError(f"local model timed out after {seconds:g} s") from None

    def _piece(self, item: Any) -> str:
        """The text of one chunk; errors and llama.cpp's timings are taken out of it."""
        if isinstance(item, Exception):
            raise LLMError(one_line(f"local model refused the request: {item}"))
        error = item.get("error") if isinstance(item, dict) else None
        if error:
            message = error.get("message") if isinstance(error, dict) else error
            raise LLMError(one_line(f"local model refused the request: {message}"))
        timings = item.get("timings") if isinstance(item, dict) else None
        if isinstance(timings, dict):
            self.last_speed = Speed(
                int(timings.get("prompt_n", 0)),
                float(timings.get("prompt_per_second", 0.0)),
                int(timings.get("predicted_n", 0)),
                float(timings.get("predicted_per_second", 0.0)),
            )
        return chunk_text(item, "")


_LOADERS: dict[Path, LocalModel] = {}
_LOADERS_LOCK = threading.Lock()


def local_model(settings: Settings) -> LocalModel:
    """The process's one loader of `settings.llm.local_model`, started by the first call:
    every engine and chat session of the process shares the model in memory."""
    path = Path(settings.llm.local_model.strip()).expanduser().absolute()
    with _LOADERS_LOCK:
        if path not in _LOADERS:
            _LOADERS[path] = LocalModel(path, settings.llm)
        return _LOADERS[path]


def stream_chat_local(settings: Settings, messages: list[dict[str, str]]) -> Iterator[str]:
    """`app.llm.stream_chat` for the local model: text pieces, `LLMError` on any failure
    (`ModelLoading` while it loads), so callers fall back to the extractive answer."""
    if answerer_kind(settings) != "local":
        raise LLMError("no local model is set: pass --local-model PATH.gguf")
    yield from local_model(settings).stream(messages, settings.llm)
