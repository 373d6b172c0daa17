"""`govqa chat` binds loopback by default; beyond it only with --host, and then it warns.

The listening address is read from the kernel's socket table (/proc/net/tcp), so the test
sees where the real server bound, not what it printed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, free_port

START_TIMEOUT_S = 120


def listening_addresses(port: int) -> set[str]:
    """IPv4 addresses with a socket in LISTEN state on `port`."""
    found = set()
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def chat(index_dir: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "chat", "--index-dir", index_dir, *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_listening(proc: subprocess.Popen, port: int) -> set[str]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (addresses := listening_addresses(port)):
        if proc.poll() is not None:
            pytest.fail(f"chat exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
        assert time.monotonic() < deadline, "chat did not start listening"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)  # waits on the process: returns at once if it exits
    return addresses


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def test_environment_alone_cannot_open_the_chat(corpus_settings) -> None:
    port = str(free_port())
    proc = chat(
        str(corpus_settings.index_dir),
        env={"GOVQA_SERVE_HOST": "0.0.0.0", "GOVQA_SERVE_PORT": port},
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--host 0.0.0.0" in lines[0], err
    assert listening_addresses(int(port)) == set()


def test_default_binds_loopback_only(corpus_settings) -> None:
    port = free_port()
    proc = chat(str(corpus_settings.index_dir), "--port", str(port))
    try:
        assert wait_listening(proc, port) == {"127.0.0.1"}
    finally:
        err = stop(proc)
    assert "warning" not in err


def test_explicit_host_with_auth_binds_beyond_loopback_and_warns(corpus_settings, tmp_path):
    from app.auth import add_user

    users = tmp_path / "users.txt"
    add_user(users, "cora", "curator", "a long secret")
    port = free_port()
    proc = chat(
        str(corpus_settings.index_dir), "--host", "0.0.0.0", "--port", str(port),
        "--auth", str(users),
    )  # fmt: skip
    try:
        assert wait_listening(proc, port) == {"0.0.0.0"}
    finally:
        err = stop(proc)
    assert "warning: serving on 0.0.0.0: reachable beyond this machine" in err
