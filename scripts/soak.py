"""Reliability soak, in bounded loops: SIGKILL at random points, the hostile fuzz set, hostile
questions, then N clients for M minutes through the Gradio API of two chat processes that
share one real Chroma server, while re-ingests run every minute. Prints the figures and
writes them to reports/soak.json.

    .venv/bin/python scripts/soak.py                      # 20 kills, 16 clients x 300 s
    .venv/bin/python scripts/soak.py --seconds 30 --kill-points 5   # a quick smoke run
    .venv/bin/python scripts/soak.py --only uploads --quick         # one part, minutes

Issue 18's parts (scripts/soak_parts.py): hostile uploads (uploads), network use under
strace (network), bad inputs through the CLI (badinput), concurrent ingest + chat on the
embedded store and on a Chroma server (live).

The first three parts are the test files themselves (run by pytest with their figures
printed); the load part is here. Scratch data lives in .govqa-soak/ (removed first).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

sys.path.insert(0, str(ROOT / "scripts"))  # live_ingest, bench_load, soak_parts

from soak_parts import PARTS, part_failed, summary  # noqa: E402

from ingest.offline import OFFLINE_ENV, enforce_offline  # noqa: E402

WORK = ROOT / ".govqa-soak"
START_TIMEOUT_S = 180
ALL_PARTS = ("kill", "fuzz", "hostile", "load", *PARTS)
QUESTIONS = [
    "What made Kalasin's network succeed?",
    "How did Porto Alegre decide on budget priorities?",
    "Which cases used performance contracts for local officials?",
    "Who took part in the citizens' assembly?",
    "How did Medellin change its poorest neighbourhoods?",
    "What limited the success of decentralisation reforms?",
]


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    return {**base, **OFFLINE_ENV}


def pytest_part(name: str, target: str, extra_env: dict[str, str] | None = None) -> dict:
    """Run one test file (or test) and collect its FIGURES lines and pass/fail counts."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", target],
        cwd=ROOT,
        env={**env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    figures: dict = {}
    # pytest -s prints a test's output right after the previous test's progress dot
    for payload in re.findall(r"FIGURES \w+ (\{.*\})", done.stdout):
        figures.update(json.loads(payload))
    summary = re.findall(r"(\d+) (passed|failed|error)", done.stdout)
    counts = {kind: int(n) for n, kind in summary}
    result = {
        "ran_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": f"{sys.executable} -m pytest -q -s {target}",
        "passed": counts.get("passed", 0),
        "failed": counts.get("failed", 0) + counts.get("error", 0),
        "exit": done.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        **figures,
    }
    if done.returncode != 0:
        result["tail"] = done.stdout[-2000:]
    log(f"{name}: {json.dumps({k: v for k, v in result.items() if k != 'tail'})}")
    return result


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
        time.sleep(0.2)


def govqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def reingest_loop(
    corpus: Path, common: list[str], stop: threading.Event, every_s: float, out: list[dict]
) -> None:
    """Every `every_s` seconds, change a few corpus files and ingest them while the chat
    serves (bounded by the load's own deadline through `stop`)."""
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".txt"))
    round_no = 0
    while not stop.wait(every_s):
        round_no += 1
        for path in files[round_no % 5 :: 5]:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"\n\nSoak revision {round_no}: the council reviewed the case.\n")
        started = time.perf_counter()
        done = govqa("ingest", str(corpus), "--sync", *common)
        out.append(
            {
                "round": round_no,
                "exit": done.returncode,
                "seconds": round(time.perf_counter() - started, 1),
                "summary": done.stdout.strip().splitlines()[0] if done.stdout.strip() else "",
            }
        )
        log(f"re-ingest {round_no}: exit {done.returncode}: {out[-1]['summary'][:100]}")


def load_part(clients: int, seconds: float, apps: int, reingest_every_s: float) -> dict:
    from bench_load import run_load

    from ingest.chroma_server import ChromaServer

    corpus = WORK / "corpus"
    shutil.copytree(ROOT / "data" / "corpus", corpus)
    server = ChromaServer(WORK / "chroma-server", free_port()).start()
    common = ["--index-dir", str(WORK / "idx"), "--chroma-url", server.url]
    chats: list[subprocess.Popen] = []
    try:
        done = govqa("ingest", str(corpus), *common)
        if done.returncode != 0:
            raise RuntimeError(f"ingest failed: {done.stderr[-2000:]}")
        log(f"server {server.url}: {done.stdout.strip().splitlines()[0]}")
        urls = []
        for _ in range(apps):
            port = free_port()
            logfile = open(WORK / f"chat-{port}.log", "wb")  # noqa: SIM115 (child holds it)
            chats.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "chat", "--port", str(port), *common],
                    cwd=ROOT,
                    env=env(),
                    stdout=logfile,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}/")
        for url, chat in zip(urls, chats, strict=True):
            wait_http(url, chat)
        log(f"{apps} chat processes up; {clients} clients for {seconds:.0f} s")
        stop, rounds = threading.Event(), []
        writer = threading.Thread(
            target=reingest_loop, args=(corpus, common, stop, reingest_every_s, rounds)
        )
        writer.start()
        try:
            result = run_load(urls, clients, seconds, QUESTIONS)
        finally:
            stop.set()
            writer.join(timeout=600)
        result["reingest_rounds"] = rounds
        result["reingest_failures"] = sum(1 for r in rounds if r["exit"] != 0)
        result["chroma_server"] = "chroma run (chromadb 1.x), loopback"
        result["server_alive_after"] = server.alive()
        log(f"load: {json.dumps({k: v for k, v in result.items() if k != 'reingest_rounds'})}")
        return result
    finally:
        stop_chats(chats)
        server.stop()


def stop_chats(chats: list[subprocess.Popen], grace_s: float = 20.0) -> None:
    """Ctrl-C for every chat at once, one shared grace period, then SIGKILL."""
    for chat in chats:
        chat.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace_s
    for chat in chats:
        try:
            chat.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"chat {chat.pid} ignored Ctrl-C for {grace_s:.0f} s; killed")
            chat.kill()
            chat.wait()


def main() -> None:
    enforce_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-points", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--apps", type=int, default=2, help="chat processes sharing the server")
    parser.add_argument("--reingest-every", type=float, default=60.0)
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of kill,fuzz,hostile,load (their last figures in --out are kept)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma list of parts to run alone, from {','.join(ALL_PARTS)}"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small corpora and short runs: minutes per part"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "soak.json")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(",")))
    if unknown := (only | skip) - set(ALL_PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if only:
        skip = set(ALL_PARTS) - only
    if args.quick:  # the old parts' own quick sizes
        args.kill_points, args.seconds = min(args.kill_points, 5), min(args.seconds, 30)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    sys.path.insert(0, str(ROOT / "scripts"))
    started = time.perf_counter()
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count()}
    if skip and args.out.exists():  # a partial run keeps the other parts' last figures
        previous = json.loads(args.out.read_text())
        results |= {k: previous[k] for k in ALL_PARTS if k in previous}
    if "kill" not in skip:
        results["kill"] = pytest_part(
            "kill points",
            "tests/ingest/test_crash_safety.py::test_sigkill_at_random_points",
            {"GOVQA_TEST_KILL_POINTS": str(args.kill_points)},
        )
    if "fuzz" not in skip:
        results["fuzz"] = pytest_part("fuzz", "tests/ingest/test_fuzz_input.py")
    if "hostile" not in skip:
        results["hostile"] = pytest_part("hostile questions", "tests/app/test_hostile.py")
    if "load" not in skip:
        results["load"] = load_part(args.clients, args.seconds, args.apps, args.reingest_every)
        results["load"]["ran_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    for name, run_part in PARTS.items():
        if name in skip:
            continue
        part_started = time.perf_counter()
        log(f"{name}: running{' (quick)' if args.quick else ''}")
        figures = run_part(WORK / name, args.quick)
        figures |= {
            "ran_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "quick": args.quick,
            "seconds": round(time.perf_counter() - part_started, 1),
        }
        results[name] = figures
        log(f"{name}: {summary(figures)}")
    results["seconds"] = round(time.perf_counter() - started, 1)
    failed = [
        name
        for name in ("kill", "fuzz", "hostile")
        if name in results and results[name]["exit"] != 0
    ]
    if "load" in results and (results["load"]["errors"] or results["load"]["reingest_failures"]):
        failed.append("load")
    failed += [name for name in PARTS if name in results and part_failed(name, results[name])]
    results["failed"] = failed
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {args.out}; {'FAILED: ' + ', '.join(failed) if failed else 'all parts passed'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
