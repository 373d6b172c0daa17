"""A local `chroma run` server as a child process: for the tests, the soak and benchmarks.

`make chroma-server` runs the same command in the foreground. The server is Chroma's own
(the Rust frontend shipped in the chromadb wheel); we only start it on loopback, wait for its
heartbeat with a deadline (never a fixed sleep), and stop it with SIGTERM so it can flush.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HEARTBEAT = "/api/v2/heartbeat"


class ChromaServerError(Exception):
    """The server did not start, or died, within its deadline."""


def chroma_executable() -> str:
    """The `chroma` script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.exists():
        return str(beside)
    found = shutil.which("chroma")
    if not found:
        raise ChromaServerError("the `chroma` command is not installed (pip install chromadb)")
    return found


@dataclass
class ChromaServer:
    """`chroma run --path PATH --host HOST --port PORT`, logging to PATH/../chroma-PORT.log."""

    path: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.path.parent / f"chroma-{self.port}.log"

    def start(self, timeout_s: float = 60.0) -> ChromaServer:
        self.path.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
        command = [chroma_executable(), "run", "--path", str(self.path)]
        command += ["--host", self.host, "--port", str(self.port)]
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        self.wait_ready(timeout_s)
        return self

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + HEARTBEAT, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.alive():
            if self.process is not None and self.process.poll() is not None:
                raise ChromaServerError(
                    f"chroma run exited with {self.process.returncode}; see {self.log_path}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ChromaServerError(f"no heartbeat from {self.url} within {timeout_s:.0f} s")
            time.sleep(0.1)  # a poll interval, not a synchronisation: readiness is the heartbeat

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM (Chroma shuts down cleanly), SIGKILL only if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self, timeout_s: float = 60.0) -> ChromaServer:
        self.stop()
        return self.start(timeout_s)

    def __enter__(self) -> ChromaServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
