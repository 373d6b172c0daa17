"""Benchmark: ingest throughput and answer latency on the sample corpus; prints and writes JSON.

A script, not a timed test: absolute times on a shared machine are noisy, so compare figures
from the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from ingest.offline import enforce_offline


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    enforce_offline()
    from app.engine import Engine
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--index-dir", type=Path, default=Path(".govqa"))
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp))
        cold = ingest([args.corpus], settings)
        again = ingest([args.corpus], settings)
        engine = Engine(settings)
        titles = [d.metadata.title for d in engine.catalog.documents()]
        questions = [f"What were the outcomes of {t}?" for t in titles] + [
            f"What made {t.split(':')[0]} succeed?" for t in titles
        ]
        engine.ask("warm up")
        latencies = []
        for question in questions:
            started = time.perf_counter()
            engine.ask(question)
            latencies.append((time.perf_counter() - started) * 1000)
    results = {
        "ingest": {
            "files": len(cold.files),
            "chunks": cold.chunks_written,
            "seconds": round(cold.seconds, 2),
            "chunks_per_s": round(cold.embedded / cold.seconds, 2),
            "reingest_embedded": again.embedded,
            "reingest_seconds": round(again.seconds, 2),
        },
        "query_ms": {
            "questions": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 0.95), 1),
        },
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
