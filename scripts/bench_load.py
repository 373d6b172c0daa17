"""Load test of a running chat: N clients asking questions on "/ask" until a deadline.

.venv/bin/python scripts/bench_load.py http://127.0.0.1:7860/ --clients 16 --seconds 60

Three client kinds speak the Gradio API. "rest" (default) is Gradio's HTTP API as
documented for curl: POST /gradio_api/call/ask, then read the answer from the event stream,
each client keeping one session (a `session_hash` it sends with every call), as a browser
tab and gradio_client do. "rest-sessionless" sends none, so every call is a new visitor:
Gradio then builds a session's copy of the config of all 90 blocks of the page for it (8 ms of the
interpreter per call at 691 documents, measured). "gradio" is the gradio_client package,
which costs more CPU per request on the client side than the server spends answering
(measured: 61 vs 45 ms), so on a small machine it loads the server's cores more than the
server itself does.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import threading
import time
import uuid
from collections.abc import Callable

DEFAULT_QUESTIONS = [
    "What made Kalasin's network succeed?",
    "How did Porto Alegre decide on budget priorities?",
    "Which cases used performance contracts for local officials?",
    "Who took part in the citizens' assembly?",
]
CLIENTS = ("rest", "rest-sessionless", "gradio")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rest_asker(url: str, session: bool = True) -> tuple[Callable[[str], dict], Callable[[], None]]:
    """ask(question) -> answer dict over Gradio's HTTP API, and a close function; with
    `session`, every call carries this client's own session hash."""
    import httpx

    http = httpx.Client(base_url=url.rstrip("/"), timeout=120)
    body: dict = {"session_hash": uuid.uuid4().hex} if session else {}

    def ask(question: str) -> dict:
        started = http.post("/gradio_api/call/ask", json={"data": [question, []], **body})
        started.raise_for_status()
        event_id = started.json()["event_id"]
        event = ""
        with http.stream("GET", f"/gradio_api/call/ask/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = line.split(":", 1)[1].strip()
                    if event == "error":
                        raise RuntimeError(f"server error: {data[:120]}")
                    return json.loads(data)[0]
        raise RuntimeError("event stream ended without an answer")

    return ask, http.close


def gradio_asker(url: str) -> tuple[Callable[[str], dict], Callable[[], None]]:
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False)
    return (lambda question: client.predict(question, [], api_name="/ask")), client.close


def run_load(
    url: str | list[str],
    clients: int = 16,
    seconds: float = 60,
    questions: list[str] | None = None,
    max_requests: int = 20_000,
    client: str = "rest",
) -> dict:
    """`clients` threads, each with its own connection, loop `/ask` over `questions` until
    `seconds` have passed or `max_requests` were sent in all; latency is per request, from
    send to answer (queueing in the server included). Several urls (app instances sharing
    one index) take the clients in turn."""
    questions = questions or DEFAULT_QUESTIONS
    make = {
        "rest": rest_asker,
        "rest-sessionless": lambda url: rest_asker(url, session=False),
        "gradio": gradio_asker,
    }[client]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sent = itertools.count()  # next() on a count is atomic under the GIL
    # clients connect before the clock starts
    urls = [url] if isinstance(url, str) else url
    connected = [make(urls[n % len(urls)]) for n in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def worker(n: int) -> None:
        ask = connected[n][0]
        start.wait()
        for i in itertools.count(n):
            if time.perf_counter() >= deadline or next(sent) >= max_requests:
                return
            began = time.perf_counter()
            try:
                answer = ask(questions[i % len(questions)])
                if not isinstance(answer, dict) or "text" not in answer:
                    raise ValueError(f"unexpected answer: {str(answer)[:80]}")
            except Exception as exc:  # every failure is counted, none stops the run
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        # a request started just before the deadline may run on; bound the wait anyway
        thread.join(timeout=max(1.0, deadline - time.perf_counter()) + 120)
    elapsed = time.perf_counter() - began
    for _, close in connected:
        close()
    return {
        "client": client,
        "clients": clients,
        "seconds": seconds,
        "elapsed_s": round(elapsed, 1),  # in-flight requests run past the deadline
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "rps": round(len(latencies) / elapsed, 2),
        "apps": len(urls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--client", choices=CLIENTS, default="rest")
    args = parser.parse_args()
    result = run_load(args.url, args.clients, args.seconds, None, args.max_requests, args.client)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
