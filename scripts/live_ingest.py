"""Readers and writers together on the embedded store, as issue 18 measured them: one
`govqa chat` process on an embedded index, three clients asking through its Gradio API
(/ask, /chat and /cases, one each), while `govqa ingest` subprocesses change corpus files and
re-ingest one after another until the deadline. Prints requests and errors per endpoint and
writes them to reports/live_ingest.json.

    .venv/bin/python scripts/live_ingest.py                 # 55 s, as in the issue
    .venv/bin/python scripts/live_ingest.py --seconds 20    # a quick run

Scratch data lives in .govqa-live/ (removed first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install

from ingest.offline import OFFLINE_ENV, enforce_offline  # noqa: E402

WORK = ROOT / ".govqa-live"
START_TIMEOUT_S = 180
QUESTIONS = [
    "What made Kalasin's network succeed?",
    "How did Porto Alegre decide on budget priorities?",
    "Which cases used performance contracts for local officials?",
    "Who took part in the citizens' assembly?",
]


def log(message: str) -> None:
    print(f"[live {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    return {**base, **OFFLINE_ENV, "PYTHONPATH": str(ROOT)}


def govqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the chat exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: no answer within {START_TIMEOUT_S} s")
        time.sleep(0.2)  # a poll interval while the chat starts, not a synchronisation


def call(http, endpoint: str, data: list) -> list:
    """One call of a Gradio endpoint over its HTTP API; the last data the stream sends (a
    streamed /chat sends several), or RuntimeError on an error event."""
    started = http.post(f"/gradio_api/call/{endpoint}", json={"data": data})
    started.raise_for_status()
    event_id = started.json()["event_id"]
    event, last = "", None
    with http.stream("GET", f"/gradio_api/call/{endpoint}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                payload = line.split(":", 1)[1].strip()
                if event == "error":
                    raise RuntimeError(f"server error: {payload[:120]}")
                if event in ("generating", "complete"):
                    last = json.loads(payload)
                if event == "complete":
                    return last
    raise RuntimeError("event stream ended without a result")


def requests_by_endpoint() -> dict[str, object]:
    """endpoint -> function(question) -> the data to send, in each endpoint's input order."""
    from app.facets import ASK_FACETS, FACET_TABLE

    return {
        "ask": lambda q: [q, []],
        # question, history, context, the Ask facets, year from, year to
        "chat": lambda q: [q, [], [], *[None] * len(ASK_FACETS), None, None],
        "cases": lambda q: [q, *[[] for _ in FACET_TABLE]],
    }


def ask_loop(url: str, endpoint: str, make, deadline: float, out: dict) -> None:
    import httpx

    with httpx.Client(base_url=url.rstrip("/"), timeout=120) as http:
        n = 0
        while time.monotonic() < deadline:
            question = QUESTIONS[n % len(QUESTIONS)]
            n += 1
            try:
                result = call(http, endpoint, make(question))
                if not result:
                    raise RuntimeError("empty result")
                out["ok"] += 1
            except Exception as exc:  # every failure is counted, none stops the run
                out["errors"] += 1
                message = f"{type(exc).__name__}: {exc}"[:160]
                if message not in out["examples"] and len(out["examples"]) < 3:
                    out["examples"].append(message)


def ingest_loop(corpus: Path, common: list[str], deadline: float, rounds: list[dict]) -> None:
    """Change a few files and re-ingest, one ingest after another, until the deadline."""
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".txt"))
    while time.monotonic() < deadline:
        n = len(rounds) + 1
        for path in files[n % 4 :: 4]:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"\n\nRevision {n}: the council reviewed the case again.\n")
        started = time.perf_counter()
        done = govqa("ingest", str(corpus), *common)
        summary = done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr[-200:]
        rounds.append({"exit": done.returncode, "seconds": round(time.perf_counter() - started, 1)})
        log(f"ingest {n}: exit {done.returncode}: {summary[:100]}")


def run_live(work: Path, seconds: float, chroma_url: str | None = None) -> dict:
    """One chat over a fresh copy of the sample corpus in `work` (vectors embedded, or on
    the Chroma server at `chroma_url`), three clients and re-ingests for `seconds`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    shutil.copytree(ROOT / "data" / "corpus", corpus)
    common = ["--index-dir", str(work / "idx")]
    if chroma_url:
        common += ["--chroma-url", chroma_url]
    done = govqa("ingest", str(corpus), *common)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"ingest failed: {done.stderr[-2000:]}")
    log(done.stdout.strip().splitlines()[0])
    port = free_port()
    with open(work / "chat.log", "wb") as chat_log:
        chat = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "chat", "--port", str(port), *common],
            cwd=ROOT,
            env=env(),
            stdout=chat_log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url, chat)
        log(f"chat up on {url}; three clients and re-ingests for {seconds:.0f} s")
        deadline = time.monotonic() + seconds
        endpoints = requests_by_endpoint()
        counts = {name: {"ok": 0, "errors": 0, "examples": []} for name in endpoints}
        rounds: list[dict] = []
        threads = [
            threading.Thread(target=ask_loop, args=(url, name, make, deadline, counts[name]))
            for name, make in endpoints.items()
        ]
        threads.append(
            threading.Thread(target=ingest_loop, args=(corpus, common, deadline, rounds))
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        chat.send_signal(signal.SIGINT)
        try:
            chat.wait(timeout=30)
        except subprocess.TimeoutExpired:
            chat.kill()
            chat.wait()
    requests = sum(c["ok"] + c["errors"] for c in counts.values())
    errors = sum(c["errors"] for c in counts.values())
    return {
        "ran_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "store": f"Chroma server {chroma_url}" if chroma_url else "embedded (PersistentClient)",
        "seconds": seconds,
        "cpus": os.cpu_count(),
        "requests": requests,
        "errors": errors,
        "by_endpoint": counts,
        "ingests": len(rounds),
        "ingest_failures": sum(1 for r in rounds if r["exit"] not in (0, 1)),
        "ingest_seconds": [r["seconds"] for r in rounds],
    }


def main() -> None:
    enforce_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=55)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "live_ingest.json")
    args = parser.parse_args()
    result = run_live(WORK, args.seconds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(
        f"{result['requests']} requests, {result['errors']} errors, {result['ingests']} "
        f"ingests; wrote {args.out}"
    )
    sys.exit(1 if result["errors"] or result["ingest_failures"] else 0)


if __name__ == "__main__":
    main()
